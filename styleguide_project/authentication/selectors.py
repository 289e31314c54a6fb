"""Reads for authentication live in users.selectors; nothing here yet."""
