"""The ``pip-native`` command: argument parsing and exit codes.

The commands' work is in :mod:`pip_native.commands`, imported once the arguments
are read, so that a plan starts probing the target first.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pip_native import __version__
from pip_native.environment import start_probe
from pip_native.errors import EXIT_INTERRUPTED, PipNativeError, UsageError
from pip_native.exiting import leave_to_exit
from pip_native.native.base import NO_BACKEND
from pip_native.native.registry import CHOICES, start_ahead

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse's own errors: our format, exit 2
        raise UsageError(f"{message[:1].upper()}{message[1:]}.", hint=f"See '{self.prog} --help'.")


def _add_install_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "requirements",
        nargs="*",
        metavar="REQUIREMENT",
        help="PEP 508 requirements, e.g. 'scikit-learn>=1.2' requests",
    )
    p.add_argument(
        "-r",
        "--requirement",
        action="append",
        default=[],
        metavar="FILE",
        help="install from a requirements file (repeatable)",
    )
    p.add_argument(
        "-c",
        "--constraint",
        action="append",
        default=[],
        metavar="FILE",
        help="limit versions with a constraints file, as pip does (repeatable; added to the "
        "'constraint' of pip's configuration)",
    )
    p.add_argument(
        "--native-from",
        metavar="|".join((*CHOICES, NO_BACKEND)),
        help="system package manager for native code (default: $PIP_NATIVE_FROM; "
        "none: pure wheels only)",
    )
    p.add_argument(
        "--python",
        default=sys.executable,
        metavar="PATH",
        help="the interpreter to install for (default: the one running pip-native)",
    )
    p.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
    p.add_argument(
        "--report",
        metavar="FILE",
        help="write the plan (and result) as JSON, like pip's installation report; '-' for stdout",
    )
    p.add_argument(
        "--mapping",
        action="append",
        default=[],
        metavar="FILE",
        type=Path,
        help="extra name mapping file (TOML or JSON), highest precedence (repeatable)",
    )
    p.add_argument(
        "--use-sudo",
        action="store_true",
        help="run the package manager step through sudo when not root",
    )
    p.add_argument(
        "-U",
        "--upgrade",
        action="store_true",
        help="upgrade the named requirements instead of keeping installed versions",
    )
    p.add_argument("--pre", action="store_true", help="allow pre-release versions")
    p.add_argument(
        "--refresh",
        action="store_true",
        help="update the package manager's lists first (apt-get update); never done otherwise",
    )
    p.add_argument(
        "--break-system-packages",
        action="store_true",
        help="allow installing into an externally managed (PEP 668) interpreter",
    )
    p.add_argument(
        "--external-mapping",
        action="append",
        default=[],
        metavar="FILE_OR_URL",
        help="a PEP 804 mapping file for [external] identifiers, above the bundled table",
    )
    idx = p.add_argument_group("index options (default: pip's configuration)")
    idx.add_argument("-i", "--index-url", metavar="URL")
    idx.add_argument("--extra-index-url", action="append", metavar="URL")
    idx.add_argument("-f", "--find-links", action="append", metavar="URL_OR_DIR")
    idx.add_argument("--no-index", action="store_true", default=None)
    idx.add_argument("--trusted-host", action="append", metavar="HOST")
    idx.add_argument("--timeout", type=float, metavar="SECONDS", help="network timeout")
    idx.add_argument("--cert", metavar="PATH")
    idx.add_argument(
        "--cache-dir",
        type=Path,
        metavar="DIR",
        help="HTTP cache directory (default: the user cache dir)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="pip-native",
        description="Install pure-Python wheels from PyPI and everything with native code from "
        "the system package manager, in one resolution.",
    )
    parser.add_argument("--version", action="version", version=f"pip-native {__version__}")
    common = _Parser(add_help=False)
    common.add_argument(
        "-v", "--verbose", action="count", default=0, help="more logging (repeatable)"
    )
    common.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    install = sub.add_parser("install", parents=[common], help="resolve and install (or --dry-run)")
    _add_install_options(install)
    plan = sub.add_parser(
        "plan", parents=[common], help="print the plan only (same as install --dry-run)"
    )
    _add_install_options(plan)
    external = sub.add_parser(
        "external",
        parents=[common],
        help="the system packages a project's [external] table (PEP 725) needs, for packagers",
    )
    external.add_argument(
        "path", metavar="PATH", help="project directory, pyproject.toml, sdist or wheel"
    )
    external.add_argument(
        "--for",
        dest="category",
        default="all",
        choices=("build", "host", "run", "all"),
        help="which requirements: build (build+host+[build-system]), host, run, all",
    )
    external.add_argument(
        "--native-from", "--to", dest="native_from", required=True, metavar="|".join(CHOICES)
    )
    external.add_argument(
        "--format", default="text", choices=("text", "json", "shell", "deb", "rpm")
    )
    external.add_argument("--extra", action="append", default=[], metavar="EXTRA")
    external.add_argument("--mapping", action="append", default=[], type=Path, metavar="FILE")
    external.add_argument(
        "--external-mapping",
        action="append",
        default=[],
        metavar="FILE_OR_URL",
        help="a PEP 804 mapping file, above the bundled table (repeatable)",
    )
    mapping = sub.add_parser(
        "map",
        parents=[common],
        help="show which system packages provide a PyPI project or a PEP 725 identifier",
    )
    mapping.add_argument(
        "names",
        nargs="+",
        metavar="NAME_OR_IDENTIFIER",
        help="PyPI names, or identifiers such as dep:generic/openblas",
    )
    mapping.add_argument("--to", required=True, metavar="|".join(CHOICES[:-1]) + "|auto")
    mapping.add_argument("--mapping", action="append", default=[], type=Path, metavar="FILE")
    mapping.add_argument(
        "--external-mapping",
        action="append",
        default=[],
        metavar="FILE_OR_URL",
        help="a PEP 804 mapping file, above the bundled table (repeatable)",
    )
    return parser


def run() -> int:
    """The ``pip-native`` program: :func:`main`, then the process is left to exit."""
    try:
        return main()
    finally:
        leave_to_exit()


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        verbose = getattr(args, "verbose", 0)
        logging.basicConfig(
            level=logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING,
            format="%(levelname)s %(name)s: %(message)s",
        )
        if args.command in ("install", "plan"):
            dry_run = args.command == "plan" or args.dry_run
            # A plan probes the target (a process) while the commands' modules load. An
            # install probes it once it holds the environment's lock, so that what it
            # sees is what it changes (another run may be installing into it meanwhile).
            probing = start_probe(args.python) if dry_run else None
            # So does the backend's work ahead (apt's universe), when the command line
            # or the environment names the backend (not before --refresh changes its lists).
            named = args.native_from or os.environ.get("PIP_NATIVE_FROM")
            stop_ahead = start_ahead(None if args.refresh else named)
            try:
                from pip_native import commands

                return commands.install(args, dry_run=dry_run, probing=probing)
            finally:
                stop_ahead()
        if args.command == "map":
            from pip_native import commands

            return commands.map_names(args)
        if args.command == "external":
            from pip_native import commands

            return commands.external(args)
        parser.print_help()
        return 2
    except PipNativeError as exc:
        sys.stderr.write(f"pip-native: error: {exc.render()}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("pip-native: interrupted.\n")
        return EXIT_INTERRUPTED
