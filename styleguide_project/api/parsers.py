"""The API's JSON parser: a body too large is a 413, one nested too deep a 400, never a 500.

DRF's own parser reads the whole body whatever its size, and Python's json
module raises RecursionError (not ValueError) on deep nesting, which DRF does
not turn into a 400.
"""

import json
import re
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from rest_framework import exceptions, parsers

from styleguide_project.core.exceptions import RequestTooLarge

# A JSON document nested deeper than this is refused before it is decoded.
MAX_DEPTH = 64
# Strings are skipped whole (brackets inside them do not count); the rest is brackets.
_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


class JSONParser(parsers.JSONParser):
    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        body = stream.read(limit + 1) if limit is not None else stream.read()
        if limit is not None and len(body) > limit:
            raise RequestTooLarge(f"The request body is larger than {limit} bytes.")
        depth = 0
        for match in _TOKENS.finditer(body):
            token = match.group()
            if token in (b"[", b"{"):
                depth += 1
                if depth > MAX_DEPTH:
                    raise exceptions.ParseError(f"JSON parse error - nested deeper than {MAX_DEPTH} levels.")
            elif token in (b"]", b"}"):
                depth -= 1
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            return json.loads(body.decode(encoding))
        except (ValueError, RecursionError) as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from exc
