"""Tasks owned by the tasks app itself."""
