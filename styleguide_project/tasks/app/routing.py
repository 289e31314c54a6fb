"""A retry goes back to the project queue its run was delivered from."""

from typing import Any

from celery import Task


class DeliveredQueueRetry(Task):
    """Route a retry by the queue its run came from, not by the delivery's routing key.

    Celery builds a retry's options from the delivery (`signature_from_request`)
    and copies its routing key. On RabbitMQ a run that went through native
    delayed delivery carries its delay's bits in front of the key, and a second
    delay in front of those routes it nowhere. The key's last part names the
    queue, which is all a retry needs.
    """

    def signature_from_request(
        self, request: Any = None, args: Any = None, kwargs: Any = None, queue: str | None = None, **options: Any
    ) -> Any:
        if queue is None:
            queue = self._delivered_queue(request if request is not None else self.request)
        return super().signature_from_request(request, args, kwargs, queue, **options)

    def _delivered_queue(self, request: Any) -> str | None:
        """The project queue this run was delivered from (the routing key's last part names it), if any."""
        routing_key = str((request.delivery_info or {}).get("routing_key") or "")
        name = routing_key.rsplit(".", 1)[-1]
        return name if name and name in self.app.amqp.queues else None
