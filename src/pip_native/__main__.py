"""``python -m pip_native``."""

from __future__ import annotations

import sys

from pip_native.cli import run

if __name__ == "__main__":
    sys.exit(run())
