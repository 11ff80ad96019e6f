"""The JSON parser of every API body: refuses, with 400 naming the field, what the json module
would accept but the database cannot store or the API serve again (csadmin.pluginlib.storable),
and bodies nested too deep, before the parser recurses into them."""

from __future__ import annotations

import json

from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import JSONParser, get_encoding

from csadmin.pluginlib.storable import MAX_JSON_DEPTH, first_unstorable, too_deep


def _constant(name: str) -> float:
    """NaN, Infinity and -Infinity decode to floats, which the value check then names."""
    return float(name)


class StorableJSONParser(JSONParser):
    """DRF's JSONParser, plus: depth checked on the text first, every value checked after."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = get_encoding(parser_context or {})  # text charsets only, as DRF's own
        # The body is already bounded (CSADMIN_API_MAX_BODY_BYTES) before a view reads it.
        try:
            text = stream.read().decode(encoding) if stream is not None else ""
        except UnicodeDecodeError as error:
            raise ParseError(f"JSON parse error - the body is not {encoding} text") from error
        if too_deep(text):
            raise ParseError(
                f"JSON parse error - arrays and objects nest deeper than {MAX_JSON_DEPTH} levels"
            )
        try:
            data = json.loads(text, parse_constant=_constant)
        except ValueError as error:
            raise ParseError(f"JSON parse error - {error}") from error
        problem = first_unstorable(data)
        if problem is not None:
            raise ValidationError({problem[0]: [problem[1]]})
        return data
