"""The emails app's exceptions that its tasks catch (kept apart from the services, which import the tasks)."""

from collections.abc import Mapping


class EmailBatchIncompleteError(Exception):
    """Some emails of a batch were not sent for a reason that may heal: deliver them again later.

    `errors` maps each of them to its error; the exception it chains from is the last one.
    """

    def __init__(self, errors: Mapping[int, str]) -> None:
        # The errors are the only argument, so that a result backend that
        # stores the exception as JSON (keys become strings) can rebuild it.
        self.errors = {int(email_id): str(error) for email_id, error in dict(errors).items()}
        super().__init__(self.errors)

    def __str__(self) -> str:
        return f"{len(self.errors)} emails not sent: {next(iter(self.errors.values()), '')}"


class EmailSendRateUnavailableError(Exception):
    """The Redis of EMAIL_SEND_RATE did not answer for EMAIL_SEND_RATE_REDIS_PATIENCE_SECONDS: nothing was sent."""
