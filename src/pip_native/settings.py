"""pip-native's own environment-variable settings, parsed with clear errors."""

from __future__ import annotations

import os

from pip_native.errors import UsageError

__all__ = ["seconds_from_env"]


def seconds_from_env(name: str, default: float, *, whole: bool = False) -> float:
    """Seconds (>= 0) from ``$name``, or ``default`` when unset or empty.
    ``whole`` accepts whole numbers only (for tools that take an integer)."""
    text = os.environ.get(name, "")
    if not text:
        return default
    try:
        return max(0, int(text) if whole else float(text))
    except ValueError as exc:
        what = "a whole number of seconds" if whole else "a number of seconds"
        raise UsageError(
            f"{name}={text!r} is not {what}.",
            hint=f"Set it to e.g. {default:g}, or unset it.",
        ) from exc
