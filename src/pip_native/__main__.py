"""``python -m pip_native``."""

from __future__ import annotations

import sys

from pip_native.cli import main

if __name__ == "__main__":
    sys.exit(main())
