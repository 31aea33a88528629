"""Reading a YAML settings file (params/YYYY-MM.yaml, a region's region.yaml) with one-line errors.

Both are written by hand, so every way they go wrong (missing, unreadable, not YAML,
not a mapping, a misspelt key) is one `InputError` naming the file and, where YAML
says, the line or key.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Any

import yaml

from cpmetrics.errors import InputError


def read_settings(file: Path, *, missing: str, expects: str, keys: Collection[str]
                  ) -> dict[str, Any]:
    """The mapping in `file`; `missing` is said when it does not exist, `expects` when it holds
    something other than a mapping, and a key outside `keys` is refused as misspelt."""
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(file, None, missing) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(file, None, f"cannot be read ({exc})") from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        place = f"line {mark.line + 1}" if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(file, place, f"not valid YAML: {problem}") from None
    if not isinstance(raw, dict):
        raise InputError(file, None, expects)
    unknown = sorted(str(k) for k in raw if k not in keys)
    if unknown:
        raise InputError(file, f"key {unknown[0]}", "unknown setting (misspelt?)")
    return raw
