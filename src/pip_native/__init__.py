"""pip-native: pure wheels from PyPI, native code from the system package manager."""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
