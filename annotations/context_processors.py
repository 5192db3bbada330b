"""Template context shared by every page: the field limits (`{{ limits.NOTE }}`), so a
hand-written input's `maxlength` comes from the one declaration in `limits`."""

from __future__ import annotations

from . import limits as field_limits

LIMITS = {name: value for name, value in vars(field_limits).items() if name.isupper()}


def limits(request) -> dict:
    return {"limits": LIMITS}
