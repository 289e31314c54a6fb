"""Nothing here yet: core holds the error types and the exception handler."""
