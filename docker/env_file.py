"""Prints, as shell, what `.env` adds to the environment: `eval "$(python docker/env_file.py)"`.

The settings read `.env` through config/env.py (django-environ: the process's
own variables win, and DJANGO_READ_DOT_ENV_FILE=False or the test settings
turn it off). The start scripts check variables such as CELERY_BROKER_URL
before Python starts, and Flower reads its own options from the environment:
so they take `.env` the same way, by importing config/env.py and exporting
each variable it added.
"""

import os
import shlex
import sys
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
before = dict(os.environ)

try:
    import config.env  # noqa: F401 - reads .env into os.environ, as the settings do
except Exception:  # noqa: BLE001 - whatever it is, the script must stop, not go on without .env
    traceback.print_exc()
    sys.stdout.write("exit 1\n")
    sys.exit(0)

for name, value in sorted(os.environ.items()):
    if name not in before:
        sys.stdout.write(f"export {name}={shlex.quote(value)}\n")
