"""Re-record the apt command outputs under tests/data/apt/ (run as root on Debian 12 bookworm).

Usage: ``python tests/data/apt/record.py [NAME…]`` (all, or only the named
recordings). Each recording is ``NAME.stdout``
(plus ``NAME.stderr`` when apt wrote to it) with a sidecar ``NAME.meta`` that
records the exact command, the distribution, the date and the exit status;
the output files hold exactly what the command printed.
"""

from __future__ import annotations

import datetime
import shlex
import sys
import tempfile
from pathlib import Path

from pip_native import subproc
from pip_native.native.apt import _CONFIG_KEYS, AptAdapter
from pip_native.native.apt_index import DPKG_QUERY_FORMAT

HERE = Path(__file__).resolve().parent
SIMULATE = ("apt-get", "-s", "-o", "Debug::NoLocking=1", "install", "--no-install-recommends")
#: The same sets through ``apt-get --print-uris`` as the apt adapter runs it: its
#: ``Dir::Cache::Archives`` is an empty directory (a temporary one here).
PRINT_URIS = ("apt-get", "--print-uris", "-q", "-V", "-o", "Debug::NoLocking=1")
#: recording name suffix → packages, recorded through both commands.
SETS = {
    "sklearn": ("python3-sklearn", "python3-yaml"),
    "upgrade": ("libcurl4-gnutls-dev",),
    "remove": ("ntpsec",),
    "unknown": ("no-such-pkg-xyz", "python3-numpy"),
    "unmet": ("ntpsec", "systemd-timesyncd"),
    "no-candidate": ("libjpeg9-dev",),
    "virtual": ("mail-transport-agent",),
    "bad-version": ("python3-numpy=1:1.0",),
    # epochs (python3-audit 1:3.0.9-1), tildes (python3-pyassimp 5.2.5~ds0-1), architecture all
    "pandas": ("python3-pandas", "python3-audit", "python3-pyassimp", "python3-yaml"),
}
#: Notes on recordings whose answer depends on what was installed that day.
NOTES = {
    "apt-get-print-uris-sklearn": "python3-sklearn was installed on this machine when this was "
    "recorded (2026-12-03), not when apt-get-s-sklearn was (2026-11-25): apt has nothing to "
    "fetch; apt-get-s-pandas and apt-get-print-uris-pandas were recorded together",
}
#: Packages whose closures the dumpavail excerpt must be able to answer.
EXCERPT_ROOTS = (
    "python3-sklearn",
    "python3-yaml",
    "python3-requests",
    "python3-cryptography",
    "python3-lxml",
    "python3-pandas",
)


def distro() -> str:
    for line in Path("/etc/os-release").read_text().splitlines():
        if line.startswith("PRETTY_NAME="):
            return line.partition("=")[2].strip('"')
    return "unknown"


ONLY = set(sys.argv[1:])


def record(name: str, argv: tuple[str, ...], note: str = "", stdout: str | None = None) -> None:
    if ONLY and name not in ONLY:
        return
    result = subproc.run(argv, what=f"record {name}", check=False, timeout=600)
    meta = [
        f"command: {shlex.join(argv)}",
        f"distro: {distro()}",
        f"date: {datetime.date.today().isoformat()}",
        f"returncode: {result.returncode}",
        "locale: LC_ALL=C.UTF-8 (pip_native.subproc parse_output)",
    ]
    if note:
        meta.append(f"note: {note}")
    (HERE / f"{name}.meta").write_text("\n".join(meta) + "\n")
    (HERE / f"{name}.stdout").write_text(result.stdout if stdout is None else stdout)
    stderr = HERE / f"{name}.stderr"
    if result.stderr:
        stderr.write_text(result.stderr)
    elif stderr.exists():
        stderr.unlink()
    print(f"{name}: exit {result.returncode}")


def dumpavail_excerpt() -> str:
    """The real dumpavail stanzas of every package in the closures of EXCERPT_ROOTS."""
    adapter = AptAdapter()
    index = adapter.index()
    wanted: set[str] = set()
    for root in EXCERPT_ROOTS:
        wanted.update(sel.key for sel in index.closure(root))
    full = subproc.run(["apt-cache", "dumpavail"], what="read apt's package index").stdout
    kept = []
    for stanza in full.split("\n\n"):
        for line in stanza.splitlines():
            if line.startswith("Package: ") and line[9:].strip() in wanted:
                kept.append(stanza.strip("\n"))
                break
    return "\n\n".join(kept) + "\n\n"


def main() -> None:
    config_argv: list[str] = ["apt-config", "shell"]
    for var, key in _CONFIG_KEYS.items():
        config_argv += [var, key]
    record("apt-config-shell", tuple(config_argv))
    record(
        "dumpavail-excerpt",
        ("apt-cache", "dumpavail"),
        note="excerpt: only the stanzas (verbatim, in output order) of the packages in the "
        f"apt closures of {' '.join(EXCERPT_ROOTS)}",
        stdout=dumpavail_excerpt(),
    )
    record("dpkg-query-W", ("dpkg-query", "-W", f"-f={DPKG_QUERY_FORMAT}"))
    record(
        "dpkg-query-L",
        (
            "dpkg-query",
            "-L",
            "libyaml-0-2",
            "no-such-package",
            "python3-cryptography",
            "python3-distro",
            "python3-six",
            "python3-yaml",
        ),
    )
    with tempfile.TemporaryDirectory() as empty:
        uris = (*PRINT_URIS, "-o", f"Dir::Cache::Archives={empty}")
        for suffix, packages in SETS.items():
            for name, argv in (
                (f"apt-get-s-{suffix}", SIMULATE),
                (f"apt-get-print-uris-{suffix}", (*uris, "install", "--no-install-recommends")),
            ):
                record(name, (*argv, *packages), note=NOTES.get(name, ""))


if __name__ == "__main__":
    main()
