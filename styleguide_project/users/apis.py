"""The users API."""
