"""Tests for the bundled external tables: coverage, category splits, up to date, apt names real."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from pip_native.external.lookup import BUNDLED_FILES, bundled_document, load_external_mapping
from pip_native.subproc import run

ROOT = Path(__file__).resolve().parents[1]

#: What the bundled tables must know for every ecosystem (issue 5).
REQUIRED = [
    "dep:virtual/compiler/c",
    "dep:virtual/compiler/cxx",
    "dep:virtual/compiler/fortran",
    "dep:virtual/compiler/rust",
    "dep:virtual/interface/blas",
    "dep:virtual/interface/lapack",
    "dep:generic/openblas",
    "dep:generic/openssl",
    "dep:generic/libffi",
    "dep:generic/zlib",
    "dep:generic/hdf5",
    "dep:generic/gdal",
    "dep:generic/libxml2",
    "dep:generic/libjpeg",
    "dep:generic/libpng",
    "dep:generic/freetype",
    "dep:generic/sqlite",
    "dep:generic/curl",
    "dep:generic/pkg-config",
    "dep:generic/cmake",
    "dep:generic/ninja",
    "dep:generic/make",
    "dep:generic/python",
]


@pytest.mark.parametrize("ecosystem", sorted(BUNDLED_FILES))
def test_required_identifiers_are_covered(ecosystem: str) -> None:
    mapping = load_external_mapping(ecosystems=(ecosystem,))
    for ident in REQUIRED:
        for category in ("build", "host", "run"):
            match = mapping.lookup(ident, ecosystem, category=category)  # type: ignore[arg-type]
            assert match is not None, (ident, ecosystem, category)
            assert match.source == "bundled"
            # only Homebrew's C/C++ compilers are known to be unavailable (Apple's CLT)
            if match.unavailable:
                assert ecosystem == "brew" and ident.rsplit("/", 1)[1] in ("c", "cxx")


def test_debian_build_host_run_split() -> None:
    mapping = load_external_mapping(ecosystems=("apt",))

    def packages(ident: str, category: str) -> tuple[str, ...]:
        match = mapping.lookup(ident, "apt", category=category)  # type: ignore[arg-type]
        assert match is not None
        return match.packages

    assert "libssl-dev" in packages("dep:generic/openssl", "build")
    assert packages("dep:generic/openssl", "host") == ("libssl-dev",)
    assert packages("dep:generic/openssl", "run") == ("libssl3",)
    assert packages("dep:generic/openblas", "host") == ("libopenblas-dev",)
    assert packages("dep:generic/openblas", "run") == ("libopenblas0",)
    assert packages("dep:virtual/compiler/rust", "build") == ("rustc", "cargo")


def test_every_bundled_entry_cites_its_evidence() -> None:
    for ecosystem in BUNDLED_FILES:
        doc = bundled_document(ecosystem)
        for entry in doc.entries:
            if entry.specs is None or entry.specs.unavailable:
                continue
            assert entry.urls, entry.id
            assert str(entry.extra_metadata.get("verified", "")).strip(), entry.id


def test_generated_files_are_up_to_date() -> None:
    result = run(
        [sys.executable, str(ROOT / "tools" / "gen_external_tables.py"), "--check"],
        what="check the bundled external tables against tools/gen_external_tables.py",
        check=False,
    )
    assert result.returncode == 0, result.stderr


def _debian_12_with_lists() -> str | None:
    """None when apt names can be checked here; else why not."""
    if shutil.which("apt-cache") is None:
        return "apt-cache is not installed"
    try:
        release = Path("/etc/os-release").read_text()
    except OSError:
        return "no /etc/os-release"
    if 'VERSION_ID="12"' not in release or "ID=debian" not in release:
        return "this is not Debian 12 (the bundled apt table is for bookworm)"
    probe = run(["apt-cache", "policy", "gcc"], what="probe apt's package lists", check=False)
    if "Candidate:" not in probe.stdout or "(none)" in probe.stdout:
        return "apt has no package lists (run 'apt-get update')"
    return None


def test_apt_names_exist_on_debian_12() -> None:
    why = _debian_12_with_lists()
    if why:
        pytest.skip(why)
    doc = bundled_document("apt")
    names = sorted(
        {
            p
            for e in doc.entries
            if e.specs is not None
            for p in (*e.specs.build, *e.specs.host, *e.specs.run)
        }
    )
    result = run(["apt-cache", "policy", *names], what="look up the bundled apt names")
    missing = [n for n in names if f"\n{n}:\n" not in "\n" + result.stdout]
    assert not missing
    candidates = [line for line in result.stdout.splitlines() if "Candidate:" in line]
    assert len(candidates) == len(names) and not any("(none)" in c for c in candidates)
