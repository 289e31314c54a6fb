"""A container health check: `python docker/healthcheck.py URL [STATUS ...]`.

Exits 0 when URL answers with one of the STATUS codes (200 when none given).

The image has no curl. The Host header is the first of DJANGO_ALLOWED_HOSTS,
so that Django answers instead of refusing an unknown host.
"""

import os
import sys
import urllib.error
import urllib.request

url, *accepted = sys.argv[1:]
host = os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",")[0].strip().lstrip(".")
request = urllib.request.Request(url, headers={"Host": host} if host and host != "*" else {})  # noqa: S310 - our own URL
try:
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
        status = response.status
except urllib.error.HTTPError as error:
    status = error.code
except OSError as error:
    sys.exit(f"{url}: {error}")
if str(status) not in (accepted or ["200"]):
    sys.exit(f"{url}: HTTP {status}")
