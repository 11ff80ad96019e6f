"""The rule of names that callers choose: extension schemas and their attributes,
identification keys, and the extensions kept on services, states and tasks (spec §2 Names).

A letter first, then letters, digits or `_`; at most NAME_MAX characters. One rule, checked by
name_problems and documented in the OpenAPI document by NAME_PATTERN (see csadmin.api.schema).
"""

from __future__ import annotations

import re

NAME_MAX = 26
# ECMA-262 as OpenAPI reads it: `$` is the end of the text (name_problems matches it whole).
NAME = r"[A-Za-z][A-Za-z0-9_]*"
NAME_PATTERN = rf"^{NAME}$"


def name_problems(name) -> list[str]:
    """Why `name` is not a valid name (empty when it is)."""
    if not isinstance(name, str) or not name:
        return ["is required (a text starting with a letter)"]
    problems = []
    if len(name) > NAME_MAX:
        problems.append(f"must be at most {NAME_MAX} characters (got {len(name)})")
    if not (name[0].isascii() and name[0].isalpha()):
        problems.append("must start with a letter")
    if not re.fullmatch(r"[A-Za-z0-9_]*", name):  # with the first letter: NAME
        problems.append("may contain only letters, digits and _")
    return problems
