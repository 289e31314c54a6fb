"""Periodic tasks declared in code: their schedules, the sync that writes them, the beat scheduler, the watchdog."""

from styleguide_project.tasks.periodic.schedules import Clocked, Crontab, Interval, PeriodicTaskDefinition, Solar

__all__ = ("Clocked", "Crontab", "Interval", "PeriodicTaskDefinition", "Solar")
