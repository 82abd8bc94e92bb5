"""pip-native's start-up hook: waits for pip's install command, then lets pip_native patch it.

``pip_native_hook.pth`` (or, on Python 3.15+, ``pip_native_hook.start``) calls
:func:`install` at every interpreter start, so this module stays tiny: one
meta-path finder that ignores every import except two of pip's. When pip imports
its CLI (pip starts), work ahead that pip's command line asks for starts
(:func:`pip_native.pip_hook.start_early`); when pip imports
``pip._internal.commands.install``, it hands over to :mod:`pip_native.pip_hook`
once. ``PIP_NATIVE_DISABLE=1`` turns it off.
"""

from __future__ import annotations

import os
import sys

__all__ = ["install"]

_TARGET = "pip._internal.commands.install"
_PIP_STARTS = "pip._internal.cli.main"
_STARTED: list[bool] = []


class _Finder:
    @staticmethod
    def find_spec(name: str, path: object = None, target: object = None) -> object:
        if name == _PIP_STARTS and not _STARTED:
            _STARTED.append(True)
            _start_early()
            return None
        if name != _TARGET:
            return None
        try:
            from pip_native.pip_hook import wrapped_spec
        except Exception:  # a broken or half-removed install must never break pip
            return None
        return wrapped_spec(_Finder, name, path, target)


def _start_early() -> None:
    """pip starts: work ahead that its command line asks for starts now (see
    :func:`pip_native.pip_hook.start_early`)."""
    args = sys.argv[1:]
    if not os.environ.get("PIP_NATIVE_FROM") and not any("--native" in a for a in args):
        return  # nothing asked of pip-native: other pip commands import nothing more
    try:
        from pip_native.pip_hook import start_early

        start_early(args, os.environ)
    except Exception:  # pip must keep working whatever happens here
        return


def install() -> None:
    """Put the finder first on ``sys.meta_path`` (idempotent). Keep this name: the .pth calls it."""
    if os.environ.get("PIP_NATIVE_DISABLE", "") not in ("", "0"):
        return
    finder: object = _Finder
    if finder not in sys.meta_path:
        sys.meta_path.insert(0, _Finder)  # type: ignore[arg-type]  # a class with a static find_spec
