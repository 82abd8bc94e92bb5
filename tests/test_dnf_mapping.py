"""The dnf name mapping: python3dist() names and versions, load_mapping("dnf"), and NativeSource
answering PyPI names with real packages from recorded dnf output."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from hypothesis import given
from hypothesis import strategies as st
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from pip_native.mapping import load_mapping
from pip_native.mapping.fedora import (
    dnf_candidates,
    parse_python3dist,
    pep440_to_rpm,
    python3dist,
    rpm_to_pep440,
)
from pip_native.native.dnf import DnfAdapter
from pip_native.native.dnf_version import rpmvercmp
from pip_native.resolver.model import Source
from pip_native.resolver.sources import NativeSource
from test_dnf_recordings import RECORDED_OPTIONS, RECORDED_ROOT, FakeDnf, load_recording

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence
    from pathlib import Path

    from pytest_mock import MockerFixture

N = NormalizedName


@pytest.mark.parametrize(
    ("rpm", "pep440"),
    [
        ("1.26.4", "1.26.4"),
        ("1", "1"),
        ("1.0~rc1", "1.0rc1"),
        ("1~b2", "1b2"),
        ("2~~dev3", "2.dev3"),
        ("1.2^post1", "1.2.post1"),
        ("2:1.0", "2!1.0"),
        ("1.26.4-1.fc40", "1.26.4"),
        ("0:3.1", "3.1"),
    ],
)
def test_rpm_to_pep440(rpm: str, pep440: str) -> None:
    assert rpm_to_pep440(rpm) == Version(pep440)
    assert str(rpm_to_pep440(rpm)) == pep440


@pytest.mark.parametrize("rpm", ["0^20240101git1234", "1.0~git.abc", "", "abc"])
def test_rpm_to_pep440_refuses_what_pep440_cannot_say(rpm: str) -> None:
    assert rpm_to_pep440(rpm) is None


@pytest.mark.parametrize(
    ("pep440", "rpm"),
    [("1.0", "1"), ("1.26.0", "1.26"), ("1.0rc1", "1~rc1"), ("2.0.dev3", "2~~dev3"),
     ("1.2.post1", "1.2^post1"), ("2!1.0", "2:1")],
)  # fmt: skip
def test_pep440_to_rpm_as_fedoras_generator_writes_it(pep440: str, rpm: str) -> None:
    assert pep440_to_rpm(Version(pep440)) == rpm


@st.composite
def generated_versions(draw: st.DrawFn) -> Version:
    """Versions the generator writes faithfully: at most one of pre, dev, post; no local."""
    release = ".".join(str(n) for n in draw(st.lists(st.integers(0, 30), min_size=1, max_size=4)))
    epoch = draw(st.sampled_from(["", "", "1!"]))
    suffix = draw(
        st.one_of(
            st.just(""),
            st.builds(lambda k, n: f"{k}{n}", st.sampled_from(["a", "b", "rc"]), st.integers(0, 9)),
            st.builds(lambda n: f".dev{n}", st.integers(0, 9)),
            st.builds(lambda n: f".post{n}", st.integers(0, 9)),
        )
    )
    return Version(f"{epoch}{release}{suffix}")


@given(generated_versions(), generated_versions())
def test_rpm_spelling_keeps_pep440_order_and_reads_back(a: Version, b: Version) -> None:
    ra, rb = pep440_to_rpm(a), pep440_to_rpm(b)
    assert rpm_to_pep440(ra) == a
    if a.epoch == b.epoch:  # rpmvercmp sees the version part; dnf compares epochs separately
        expected = (a > b) - (a < b)
        assert rpmvercmp(ra.partition(":")[2] or ra, rb.partition(":")[2] or rb) == expected


def test_python3dist_names() -> None:
    assert dnf_candidates(N("scikit-learn")) == ("python3dist(scikit-learn)",)
    assert python3dist("Zope.Interface") == "python3dist(zope-interface)"
    assert parse_python3dist("python3dist(scikit-learn)") == "scikit-learn"
    assert parse_python3dist("python3dist(zope.interface)") == "zope-interface"  # legacy dots
    assert parse_python3dist("python3dist(requests[socks])") is None  # an extras metapackage
    assert parse_python3dist("python3.12dist(requests)") is None
    assert parse_python3dist("python3-requests") is None


class Exists:
    def __init__(self, known: Collection[str]) -> None:
        self.known = set(known)
        self.calls: list[list[str]] = []

    def __call__(self, names: Sequence[str]) -> Collection[str]:
        self.calls.append(list(names))
        return {n for n in names if n in self.known}


def test_load_mapping_dnf_user_files_then_python3dist(tmp_path: Path) -> None:
    user = tmp_path / "map.toml"
    user.write_text(
        '[dnf]\nscikit-learn = ["python3-scikit-learn"]\ntorch = false\n[apt]\nnumpy = "python3-numpy"\n'
    )
    mapping = load_mapping("dnf", user_files=[user])
    exists = Exists({"python3dist(numpy)", "python3dist(scikit-learn)"})
    found = mapping.lookup_many(
        [N("scikit-learn"), N("numpy"), N("torch"), N("nothere")], exists=exists
    )
    assert exists.calls == [["python3dist(nothere)", "python3dist(numpy)"]]  # one batch
    assert found[N("scikit-learn")].packages == ("python3-scikit-learn",)
    assert found[N("scikit-learn")].source == "user"
    assert found[N("numpy")].packages == ("python3dist(numpy)",)
    assert found[N("numpy")].source == "heuristic"
    assert found[N("torch")].never_native
    assert N("nothere") not in found
    assert any(
        line.startswith("heuristic: RPM python3dist() provides") for line in mapping.sources()
    )


# -- NativeSource with the dnf adapter (tests/data/dnf/record.py's "source" scenario) -----------

SOURCE_MAPPING = '[dnf]\npntest-lib = ["libpntest"]\npntest-never = false\n'
SOURCE_PROJECTS = ("pntest-app", "pntest-core", "pntest-lib", "pntest-never", "pntest-absent")


def test_native_source_answers_pypi_names_with_real_packages(
    tmp_path: Path, mocker: MockerFixture
) -> None:
    fake = FakeDnf()
    mocker.patch("pip_native.subproc.run", side_effect=fake)
    mocker.patch("pip_native.native.dnf.shutil.which", return_value="/usr/bin/dnf-3")  # not dnf5
    mapping_file = tmp_path / "pntest.toml"
    mapping_file.write_text(SOURCE_MAPPING)
    native: NativeSource | None = None

    def dists_for_package(package: str) -> tuple[str, ...]:
        assert native is not None
        return native.dists_for_package(package)

    adapter = DnfAdapter(
        installroot=RECORDED_ROOT, options=RECORDED_OPTIONS, dists_for_package=dists_for_package
    )
    native = NativeSource(adapter, load_mapping("dnf", user_files=[mapping_file]))
    # Listing the sources parses the large ones whole: only an explanation does it.
    sources = mocker.spy(native.mapping, "sources")
    projects = [canonicalize_name(p) for p in SOURCE_PROJECTS]
    native.prefetch(projects)
    candidates = {p: native.candidate(p) for p in projects}
    assert sources.call_count == 0
    assert fake.calls == [
        load_recording("batch-1-rpm").argv,
        *(load_recording(f"source-{i}-repoquery").argv for i in (1, 2, 3, 4)),
    ]
    app = candidates[N("pntest-app")]
    assert app is not None and app.native is not None
    assert (app.version, app.source) == (Version("2.0"), Source.NATIVE)
    assert app.native.install == ("python3dist(pntest-app)",)  # what plan_install gets ...
    assert app.native.package.name == "python3-pntest-app"  # ... and the package it means
    pins = {str(d.name): str(d.version) for d in app.native.closure}
    assert pins == {
        "pntest-app": "2.0",
        "pntest-impl": "3.1",
        "pntest-core": "1.0",
        "pntest-helper": "0.5",
        "pntest-lib": "1.2",  # libpntest, which the user file says provides pntest-lib
    }
    core = candidates[N("pntest-core")]
    assert core is not None and core.version == Version("1.0")
    lib = candidates[N("pntest-lib")]  # libpntest has no python3dist(): the user file's name
    assert lib is not None and lib.version == Version("1.2") and lib.native is not None
    assert lib.native.mapping_source == "user"
    assert candidates[N("pntest-never")] is None
    assert "never comes from dnf" in native.reason(N("pntest-never"))
    assert candidates[N("pntest-absent")] is None
    reason = native.reason(N("pntest-absent"))
    assert sources.call_count == 1
    assert reason.startswith("no dnf package is known for pntest-absent (consulted: ")
    assert "RPM python3dist() provides" in reason
