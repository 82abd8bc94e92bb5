"""Generate pip-native's bundled apt mapping table from a Debian release's Contents index.

The table says, for every binary package of the release's ``main`` component,
which Python distributions it installs: every
``usr/lib/python3/dist-packages/<X>.dist-info/…`` and ``<X>.egg-info`` path of
the Contents index is parsed (``pip_native.mapping.debian``, the same code that
reads the table at run time) into a distribution name and version. Names that
packaging rejects are skipped and counted in the file's ``stats``.

Run it from the repository root (needs network access to the Debian archive;
takes about a minute, most of it downloading ~45 MB)::

    python tools/gen_debian_mapping.py --release bookworm

which writes ``src/pip_native/data/apt-debian-bookworm.json``. Commit the
result together with any change to the parser.

Releases: generated and tested for Debian 12 "bookworm" (the bundled table).
Debian 11 "bullseye" and 13 "trixie" publish the same layout
(``dists/<release>/main/Contents-{amd64,all}.gz``) and should work unchanged
with ``--release bullseye`` / ``--release trixie``; add the file they produce to
``src/pip_native/data/`` to bundle them. Since bookworm, packages of
``Architecture: all`` are listed only in ``Contents-all.gz`` and the others only
in ``Contents-<arch>.gz``; both are read, and the table records which packages
came from the architecture-specific index (``arch_dependent``: they contain
compiled code). Ubuntu and other derivatives are untested (Ubuntu publishes one
Contents file per suite, not per component).

Offline or repeatable runs: ``--contents-dir DIR`` reads ``DIR/Contents-all.gz``
and ``DIR/Contents-<arch>.gz`` instead of downloading (``--release-file`` gives
the matching ``Release`` file for the header's date and checksums).
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import hashlib
import io
import json
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

__all__ = ["build_table", "main", "render_table"]

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from pip_native.mapping.debian import iter_contents, parse_metadata_dir  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

DEFAULT_MIRROR = "https://deb.debian.org/debian"
FORMAT = 1
RELEASE_VERSIONS = {"bullseye": "11", "bookworm": "12", "trixie": "13", "forky": "14"}


def build_table(indices: Iterable[tuple[str, Iterable[str]]]) -> dict[str, Any]:
    """Build the table body from ``(arch, lines)`` pairs of Contents indices.

    ``arch`` is ``all`` for ``Contents-all`` and the architecture otherwise.
    Returns ``packages`` (package -> sorted metadata directory names),
    ``arch_dependent`` (packages seen in an architecture-specific index) and
    ``stats`` (counts, including skipped names with examples).
    """
    shipped: dict[str, set[str]] = defaultdict(set)
    arch_dependent: set[str] = set()
    skipped: dict[str, set[str]] = defaultdict(set)
    lines_matched = 0
    unparsable_versions: set[str] = set()
    for arch, lines in indices:
        for entry in iter_contents(lines):
            lines_matched += 1
            parsed = parse_metadata_dir(entry.dirname)
            if parsed is None:
                for package in entry.packages:
                    skipped[entry.dirname].add(package)
                continue
            if parsed.raw_version is not None and parsed.version is None:
                unparsable_versions.add(entry.dirname)
            for package in entry.packages:
                shipped[package].add(entry.dirname)
                if arch != "all":
                    arch_dependent.add(package)
    projects: dict[str, set[str]] = defaultdict(set)
    for package, dirnames in shipped.items():
        for dirname in dirnames:
            parsed = parse_metadata_dir(dirname)
            assert parsed is not None
            projects[parsed.project].add(package)
    stats = {
        "contents_lines_matched": lines_matched,
        "metadata_dirs": sum(len(d) for d in shipped.values()),
        "packages": len(shipped),
        "packages_arch_dependent": len(arch_dependent),
        "projects": len(projects),
        "projects_in_several_packages": sum(1 for p in projects.values() if len(p) > 1),
        "skipped_invalid_names": len(skipped),
        "skipped_examples": sorted(skipped)[:10],
        "versions_not_pep440": len(unparsable_versions),
    }
    return {
        "packages": {name: sorted(dirs) for name, dirs in sorted(shipped.items())},
        "arch_dependent": sorted(arch_dependent),
        "stats": stats,
    }


def render_table(header: dict[str, Any], body: dict[str, Any]) -> str:
    """Compact JSON with one package per line (small, and diffs stay readable)."""
    head = dict(header)
    head["stats"] = body["stats"]
    head["arch_dependent"] = body["arch_dependent"]
    lines = [json.dumps(head, separators=(",", ":"), ensure_ascii=False)[:-1] + ',"packages":{']
    items = list(body["packages"].items())
    for i, (package, dirs) in enumerate(items):
        comma = "," if i < len(items) - 1 else ""
        lines.append(f"{json.dumps(package)}:{json.dumps(dirs, separators=(',', ':'))}{comma}")
    lines.append("}}")
    text = "\n".join(lines) + "\n"
    json.loads(text)  # it must stay valid JSON
    return text


def _release_info(text: str) -> dict[str, Any]:
    fields: dict[str, str] = {}
    sha256: dict[str, str] = {}
    section = ""
    for line in text.splitlines():
        if line.startswith(" ") and section == "SHA256":
            digest, _size, name = line.split()
            sha256[name] = digest
        elif ":" in line and not line.startswith(" "):
            key, _, value = line.partition(":")
            section = key
            fields[key] = value.strip()
    return {"fields": fields, "sha256": sha256}


def _fetch(url: str) -> bytes:
    import requests

    for attempt in range(3):
        try:
            response = requests.get(url, timeout=120)
            response.raise_for_status()
            return response.content
        except requests.RequestException as exc:
            if attempt == 2:
                raise SystemExit(f"cannot download {url}: {exc}") from None
            time.sleep(2)
    raise AssertionError("unreachable")


def _lines(data: bytes) -> Iterator[str]:
    with gzip.open(io.BytesIO(data), "rt", encoding="utf-8", errors="replace") as stream:
        yield from stream


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--release", default="bookworm", help="Debian codename (default: bookworm)")
    parser.add_argument("--distro", default="debian", help="distribution id for the file name")
    parser.add_argument("--arch", default="amd64", help="architecture index to read besides 'all'")
    parser.add_argument("--mirror", default=DEFAULT_MIRROR, help="archive base URL")
    parser.add_argument("--contents-dir", type=Path, help="read Contents-*.gz from here")
    parser.add_argument("--release-file", type=Path, help="the matching Release file (offline)")
    parser.add_argument("--date", help="generation date to record (default: today, UTC)")
    parser.add_argument("--output", type=Path, help="output file (default: bundled data dir)")
    args = parser.parse_args(argv)

    base = f"{args.mirror.rstrip('/')}/dists/{args.release}"
    if args.release_file:
        release_text = args.release_file.read_text()
    elif args.contents_dir:
        release_text = ""
    else:
        release_text = _fetch(f"{base}/Release").decode()
    release = _release_info(release_text)

    sources = []
    indices: list[tuple[str, Iterable[str]]] = []
    for arch in ("all", args.arch):
        name = f"Contents-{arch}.gz"
        url = f"{base}/main/{name}"
        if args.contents_dir:
            data = (args.contents_dir / name).read_bytes()
        else:
            print(f"downloading {url}", file=sys.stderr)
            data = _fetch(url)
        digest = hashlib.sha256(data).hexdigest()
        expected = release["sha256"].get(f"main/{name}")
        if expected and expected != digest:
            raise SystemExit(f"{url}: sha256 {digest} does not match the Release file ({expected})")
        indices.append((arch, _lines(data)))
        sources.append({"url": url, "sha256": digest, "verified_against_release": bool(expected)})

    body = build_table(indices)
    fields = release["fields"]
    header = {
        "format": FORMAT,
        "ecosystem": "apt",
        "distro": args.distro,
        "release": args.release,
        "release_version": fields.get("Version", "").split(".")[0]
        or RELEASE_VERSIONS.get(args.release, ""),
        "release_date": fields.get("Date", ""),
        "generated": args.date or datetime.datetime.now(datetime.timezone.utc).date().isoformat(),
        "generator": "tools/gen_debian_mapping.py",
        "sources": sources,
        "description": "Debian binary package -> the *.dist-info / *.egg-info it installs in "
        "usr/lib/python3/dist-packages, from the release's Contents index (main).",
    }
    output = args.output or (
        ROOT / "src" / "pip_native" / "data" / f"apt-{args.distro}-{args.release}.json"
    )
    output.write_text(render_table(header, body), encoding="utf-8")
    stats = body["stats"]
    print(
        f"wrote {output}: {stats['packages']} packages, {stats['projects']} projects, "
        f"{stats['skipped_invalid_names']} names skipped, {output.stat().st_size} bytes",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
