"""The tasks app serves no API yet."""
