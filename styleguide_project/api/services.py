"""api holds no business logic: it routes to the apps and reports health."""
