"""Request body parsers for the JSON API.

`JSONParser` parses with orjson instead of the standard library: `json.loads` recurses once per
nesting level, so a body of 100,000 `[` raised RecursionError (a 500). orjson refuses anything
nested deeper than `MAX_JSON_DEPTH` (its own fixed limit) in time linear in the body, and it
refuses invalid UTF-8 and lone surrogates, which PostgreSQL would refuse later with a 500.
Every failure is a 400 that says what is wrong. Form and multipart parsing stay DRF's own.
"""

from __future__ import annotations

import orjson
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser

MAX_JSON_DEPTH = 1024  # orjson's fixed nesting limit; our bodies need 3 levels


class JSONParser(BaseParser):
    """Parse `application/json` bodies with orjson; malformed or too deep JSON is a 400."""

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        body = stream.read() if stream is not None else b""
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            if "depth limit" in str(exc) or "recursion" in str(exc):
                raise ParseError(
                    f"JSON nested deeper than {MAX_JSON_DEPTH} levels is refused; request bodies "
                    "here are flat objects with lists of ids at most."
                ) from None
            raise ParseError(
                f"JSON parse error - {exc}. Send one JSON object, UTF-8 encoded."
            ) from None
