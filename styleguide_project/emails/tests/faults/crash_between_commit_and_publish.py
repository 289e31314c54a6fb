"""A web process killed between the commit and the publish, once per user: the fault suite runs this as a child.

    python -m styleguide_project.emails.tests.faults.crash_between_commit_and_publish USER_ID [USER_ID ...]

Django is set up once (on the database and broker of the environment); then,
for each user, a forked process completes that user's onboarding inside a
transaction and SIGKILLs itself from the on-commit callback, where the fast
path would publish the run: the transaction has committed (user onboarded,
email SENDING, outbox row written) and nothing has reached the broker. Forking
keeps Django's set-up out of each of the crashes; each one is still a process
of its own that dies by SIGKILL with an open database connection, as a web
worker would.

Prints one line, `crashed=N other=M`: N processes died by SIGKILL in the
callback, M ended any other way (the callback never ran, or it was not the
last thing they did).
"""

import os
import signal
import sys
from collections.abc import Sequence
from typing import Any


def _killed_before_publish(**kwargs: Any) -> int:
    # In place of `task_outbox_publish`, which the on-commit callback calls
    # after the commit and before anything is sent to the broker.
    os.kill(os.getpid(), signal.SIGKILL)
    return 0  # not reached


def _onboard_and_crash(user_id: int) -> None:
    from django.db import transaction

    from styleguide_project.tasks.outbox.services import enqueue
    from styleguide_project.users.models import BaseUser
    from styleguide_project.users.services import user_complete_onboarding

    # The callback looks the function up in its module when the transaction commits.
    enqueue.task_outbox_publish = _killed_before_publish
    with transaction.atomic():
        user_complete_onboarding(user=BaseUser.objects.get(id=user_id))


def main(user_ids: Sequence[int]) -> int:
    import django

    django.setup()
    from django.db import connections

    crashed = other = 0
    for user_id in user_ids:
        # The forked process opens its own connection, as a new web worker would.
        connections.close_all()
        pid = os.fork()
        if pid == 0:
            try:
                _onboard_and_crash(user_id)
            finally:
                # Reached only if the callback did not kill the process.
                os._exit(3)
        _, status = os.waitpid(pid, 0)
        if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL:
            crashed += 1
        else:
            other += 1
    sys.stdout.write(f"crashed={crashed} other={other}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main([int(arg) for arg in sys.argv[1:]]))
