"""A list of periodic tasks that cannot be loaded: tests point settings.PERIODIC_TASKS here.

Whatever still imports the list through the setting fails loudly instead of
quietly reading the project's real one.
"""

raise RuntimeError("settings.PERIODIC_TASKS was imported; only `manage.py setup_periodic_tasks` may load the list")
