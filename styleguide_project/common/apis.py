"""common serves no API of its own."""
