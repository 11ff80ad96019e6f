"""Values the database can store and the API can serve again, checked where input is decoded.

Python's json module accepts things that are not Unicode text or not numbers: a lone UTF-16
surrogate ("\\ud800" decodes to a str that cannot be encoded as UTF-8), and NaN, Infinity or
1e999 (a float that JSON cannot carry). Stored, such a value breaks every later read of its
object (SQLite keeps it and the renderer fails; PostgreSQL refuses it on write). So every JSON
body, form value and import row goes through `first_unstorable` before anything is written,
and every JSON text through `too_deep` before a parser recurses into it.

Error messages echo what a request sent only through `echo`, which bounds their length.
"""

from __future__ import annotations

import math
import operator
import re
from itertools import accumulate, count

MAX_JSON_DEPTH = 100  # nested arrays and objects in one JSON document (README: "Input limits")
ECHO_LIMIT = 64

SURROGATE = "must not contain a lone UTF-16 surrogate (it is not Unicode text)"
NOT_FINITE = "must be a finite number (NaN, Infinity and numbers beyond 1.8e308 are not)"
TOO_DEEP = f"nests arrays and objects deeper than {MAX_JSON_DEPTH} levels"

_SURROGATES = re.compile("[\ud800-\udfff]")
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(set(range(256)) - set(b"[]{}"))
_STEPS = bytes.maketrans(b"[{]}", b"\x02\x02\x00\x00")  # an opener counts 2, a closer 0


def has_surrogate(text: str) -> bool:
    """True when `text` holds a lone surrogate (a valid pair decodes to one character)."""
    return not text.isascii() and _SURROGATES.search(text) is not None


def first_unstorable(value, path: str = "") -> tuple[str, str] | None:
    """(field path, reason) of the first string or number in this decoded JSON value that
    cannot be stored and served again, or None. Paths read as "x", "attributes[2].t"."""
    found = _find(value, path)
    return None if found is None else (echo(found[0]), found[1])


def _find(value, path: str) -> tuple[str, str] | None:
    kind = type(value)
    if kind is str:
        return (path or "body", SURROGATE) if has_surrogate(value) else None
    if kind is float:
        return None if math.isfinite(value) else (path or "body", NOT_FINITE)
    if kind is dict:
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if type(key) is str and has_surrogate(key):
                return where, SURROGATE
            if type(item) not in _PLAIN:
                found = _find(item, where)
                if found:
                    return found
        return None
    if kind is list or kind is tuple:
        for index, item in enumerate(value):
            if type(item) not in _PLAIN:
                found = _find(item, f"{path}[{index}]")
                if found:
                    return found
    return None


_PLAIN = (type(None), bool, int)  # JSON values that are always storable


def too_deep(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when this JSON text nests arrays and objects deeper than `limit`. Runs before any
    parser recurses: strings are cut out (brackets inside them do not nest), then the
    brackets left are counted, all in C. Never answers False for a text that a JSON parser
    would recurse deeper into: where the text is not JSON, the parser stops first."""
    if text.count("[") + text.count("{") <= limit:  # the usual body: nothing to count
        return False
    outside_strings = _JSON_STRING.sub("", text).encode("utf-8", "surrogatepass")
    steps = outside_strings.translate(_STEPS, _NOT_BRACKETS)
    # the depth after the n-th bracket is (sum of its first n steps) - n
    return bool(steps) and max(map(operator.sub, accumulate(steps), count(1))) > limit


def echo(value, limit: int = ECHO_LIMIT) -> str:
    """A request-supplied value as an error message may quote it: at most `limit` characters
    (then an ellipsis), lone surrogates written as escapes so the message can be served."""
    text = str(value)
    if len(text) > limit:
        text = text[:limit] + "…"
    if has_surrogate(text):
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text
