from typing import Any


class ApplicationError(Exception):
    """A business rule was broken; the API answers 400 with `message` and `extra`."""

    def __init__(self, message: str, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}
