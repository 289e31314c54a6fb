"""Every task message carries the time it was published, so the age of a queue's oldest message can be read.

Neither Redis nor RabbitMQ keeps when a message entered a queue where a
client can read it without taking the message. Celery's public
`before_task_publish` signal lets the publisher add a header; every process
that publishes (web, worker, beat, the outbox relay) loads the kit's app
config, which connects this receiver. A message published by a process
without it simply has no age.
"""

from typing import Any

from celery.signals import before_task_publish

PUBLISHED_AT_HEADER = "styleguide_published_at"


@before_task_publish.connect(dispatch_uid="styleguide_project.tasks.observation.publish_stamp")
def task_message_stamp(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    """Write the unix time of the publish into the message's headers."""
    import time

    if headers is not None:
        # A retry republishes the message: its age then counts from the retry, when it entered the queue again.
        headers[PUBLISHED_AT_HEADER] = time.time()
