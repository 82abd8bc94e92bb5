"""Re-record the apt command outputs under tests/data/apt/ (run as root on Debian 12 bookworm).

Usage: ``python tests/data/apt/record.py``. Each recording is ``NAME.stdout``
(plus ``NAME.stderr`` when apt wrote to it) with a sidecar ``NAME.meta`` that
records the exact command, the distribution, the date and the exit status;
the output files hold exactly what the command printed.
"""

from __future__ import annotations

import datetime
import shlex
from pathlib import Path

from pip_native import subproc
from pip_native.native.apt import _CONFIG_KEYS, AptAdapter
from pip_native.native.apt_index import DPKG_QUERY_FORMAT

HERE = Path(__file__).resolve().parent
SIMULATE = ("apt-get", "-s", "-o", "Debug::NoLocking=1", "install", "--no-install-recommends")
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


def record(name: str, argv: tuple[str, ...], note: str = "", stdout: str | None = None) -> None:
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
    record("apt-get-s-sklearn", (*SIMULATE, "python3-sklearn", "python3-yaml"))
    record("apt-get-s-upgrade", (*SIMULATE, "libcurl4-gnutls-dev"))
    record("apt-get-s-remove", (*SIMULATE, "ntpsec"))
    record("apt-get-s-unknown", (*SIMULATE, "no-such-pkg-xyz", "python3-numpy"))
    record("apt-get-s-unmet", (*SIMULATE, "ntpsec", "systemd-timesyncd"))
    record("apt-get-s-no-candidate", (*SIMULATE, "libjpeg9-dev"))
    record("apt-get-s-virtual", (*SIMULATE, "mail-transport-agent"))
    record("apt-get-s-bad-version", (*SIMULATE, "python3-numpy=1:1.0"))


if __name__ == "__main__":
    main()
