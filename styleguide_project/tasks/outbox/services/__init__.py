"""The outbox's writes, a module per concern: enqueueing, the runs' states and relay, dead letters."""
