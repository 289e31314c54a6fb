"""What the users app announces, for apps above it to act on without the users app importing them."""

from django.dispatch import Signal

# Sent inside the transaction that deletes an account, after its row is gone,
# with `user_id` and `email` (the address it had). A receiver removes or
# anonymises what its app keeps about that person; an error rolls the whole
# deletion back.
user_deleted = Signal()
