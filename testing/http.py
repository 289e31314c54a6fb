"""HTTP requests from a test to a server it started."""

import base64
import json
import urllib.error
import urllib.request
from typing import Any


def http_json(
    method: str,
    url: str,
    *,
    body: Any = None,
    token: str | None = None,
    basic_auth: str | None = None,
    timeout: float = 10,
) -> tuple[int, Any]:
    """One HTTP request to a server under test; returns the status and the decoded JSON body (or text)."""
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    if basic_auth:
        headers["Authorization"] = "Basic " + base64.b64encode(basic_auth.encode()).decode()
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310 - loopback URL
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode(errors="replace")
