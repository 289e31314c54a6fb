#!/usr/bin/env python
import os
import sys


def main() -> None:
    # `.env` first, as the settings read it: its DJANGO_SETTINGS_MODULE wins over the local default.
    import config.env  # noqa: F401

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.django.local")
    from django.core.management import execute_from_command_line

    from config.checks import settings_load_or_exit

    # A refused configuration is one message listing every variable to fix, not a traceback.
    settings_load_or_exit()
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
