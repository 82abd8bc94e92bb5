"""Tests for MappingTable and load_mapping: precedence, heuristic, batching, messages."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from packaging.utils import NormalizedName, canonicalize_name

from pip_native.errors import NoNativePackageError, UnsupportedBackendError
from pip_native.mapping import MappingTable, debian, load_mapping, table

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence

DATA = Path(__file__).parent / "data" / "mapping"
N = NormalizedName


class Exists:
    """A fake batched ``exists``: records each call, knows a fixed set of packages."""

    def __init__(self, known: Collection[str]) -> None:
        self.known = set(known)
        self.calls: list[list[str]] = []

    def __call__(self, names: Sequence[str]) -> Collection[str]:
        self.calls.append(list(names))
        return {name for name in names if name in self.known}


@pytest.fixture(autouse=True)
def no_host_distro_data(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Never read this machine's dh-python files, nor ask it which distro it is."""
    monkeypatch.setattr(debian, "DH_PYTHON_FALLBACK", str(tmp_path / "absent" / "fallback"))
    monkeypatch.setattr(debian, "DH_PYTHON_PYDIST_DIR", str(tmp_path / "absent" / "dist"))

    def refuse() -> tuple[list[str], list[str]]:
        raise AssertionError("tests give distro_id and distro_release explicitly")

    monkeypatch.setattr(table, "_detect_distro", refuse)


@pytest.fixture
def distro_data(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The recorded cpython3_fallback excerpt, plus one installed package's PyDist file."""
    fallback = tmp_path / "dh-python" / "cpython3_fallback"
    fallback.parent.mkdir()
    shutil.copy(DATA / "cpython3_fallback.excerpt", fallback)
    pydist = tmp_path / "python3-dist"
    pydist.mkdir()
    (pydist / "python3-numpy").write_text("numpy python3-numpy-custom; PEP386\n")
    monkeypatch.setattr(debian, "DH_PYTHON_FALLBACK", str(fallback))
    monkeypatch.setattr(debian, "DH_PYTHON_PYDIST_DIR", str(pydist))
    return tmp_path


def _bookworm(**kwargs: object) -> MappingTable:
    return load_mapping("apt", distro_id="debian", distro_release="bookworm", **kwargs)  # type: ignore[arg-type]


def _user(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


# --- precedence ---------------------------------------------------------------------------


def test_precedence(distro_data: Path, tmp_path: Path) -> None:
    first = _user(tmp_path, "a.toml", '[apt]\nscikit-learn = "python3-a"\njoblib = "python3-j"\n')
    second = _user(tmp_path, "b.toml", "[apt]\nscikit-learn = 'python3-b'\nscipy = false\n")
    mapping = _bookworm(user_files=[first, second])
    exists = Exists({"python3-unknown-thing", "python3-scipy"})
    found = mapping.lookup_many(
        [N(p) for p in ["scikit-learn", "joblib", "scipy", "numpy", "psycopg", "argparse",
                        "unknown-thing"]],
        exists=exists,
    )  # fmt: skip
    summary = {project: (m.source, m.packages) for project, m in found.items()}
    assert summary == {
        "scikit-learn": ("user", ("python3-b",)),  # later user file wins
        "joblib": ("user", ("python3-j",)),  # earlier file still counts
        "scipy": ("user", ()),  # false: never native, beats the bundled table
        "numpy": ("distro", ("python3-numpy-custom",)),  # an installed package's PyDist
        "psycopg": ("bundled", ("python3-psycopg",)),  # release table beats the fallback
        "argparse": ("distro", ("python3",)),  # only the fallback knows it
        "unknown-thing": ("heuristic", ("python3-unknown-thing",)),
    }
    assert found[N("scikit-learn")].origin == str(second)
    assert found[N("argparse")].origin == debian.DH_PYTHON_FALLBACK


def test_fallback_is_used_without_a_bundled_table(distro_data: Path) -> None:
    mapping = load_mapping("apt", distro_id="debian", distro_release="trixie")
    match = mapping.lookup(N("psycopg"))
    assert match is not None
    assert match.packages == ("python3-psycopg3",)
    assert match.describe() == (
        f"python3-psycopg3 (dh-python {debian.DH_PYTHON_FALLBACK} line 20: "
        "psycopg python3-psycopg3)"
    )
    assert any("no bundled apt table for debian trixie" in s for s in mapping.sources())


def test_use_distro_data_false(distro_data: Path) -> None:
    mapping = _bookworm(use_distro_data=False)
    assert mapping.lookup(N("argparse")) is None
    numpy = mapping.lookup(N("numpy"))
    assert numpy is not None
    assert numpy.source == "bundled"
    assert not any("dh-python" in s for s in mapping.sources())


def test_sources_in_precedence_order(distro_data: Path, tmp_path: Path) -> None:
    user = _user(tmp_path, "u.toml", "[apt]\nfoo = 'python3-foo'\n")
    sources = _bookworm(user_files=[user]).sources()
    assert sources[0] == f"user mapping {user} [apt]: 1 project"
    assert sources[1].startswith("dh-python ") and "python3-numpy" in sources[1]
    assert sources[2].startswith("bundled table debian bookworm (pip_native/data/")
    assert sources[3].startswith(f"dh-python {debian.DH_PYTHON_FALLBACK}: ")
    assert "1 line skipped" in sources[3]  # _pycbf
    assert "1 name duplicated under PEP 503" in sources[3]  # SimPy / simpy
    assert sources[4].startswith("heuristic: ")


# --- heuristic ----------------------------------------------------------------------------


def test_heuristic_needs_confirmation() -> None:
    mapping = _bookworm()
    project = N("surely-not-packaged")
    assert mapping.lookup(project) is None  # no exists: no guess
    assert mapping.lookup(project, exists=Exists(set())) is None  # apt does not know it
    match = mapping.lookup(project, exists=Exists({"python3-surely-not-packaged"}))
    assert match is not None
    assert (match.source, match.packages) == ("heuristic", ("python3-surely-not-packaged",))
    assert match.origin == "python3-surely-not-packaged exists in apt"
    assert match.describe().startswith(
        "python3-surely-not-packaged (heuristic: python3-surely-not-packaged exists in apt;"
    )


def test_heuristic_debian_name_forms() -> None:
    mapping = _bookworm()
    exists = Exists({"python3-gnupg-x", "python3-ruamel.thing"})
    found = mapping.lookup_many([N("python-gnupg-x"), N("ruamel-thing")], exists=exists)
    assert found[N("python-gnupg-x")].packages == ("python3-gnupg-x",)
    assert found[N("ruamel-thing")].packages == ("python3-ruamel.thing",)


def test_lookup_many_asks_exists_once() -> None:
    mapping = _bookworm()
    unknown = [N(f"unknown-project-{i}") for i in range(50)]
    exists = Exists({"python3-unknown-project-7"})
    found = mapping.lookup_many([*unknown, N("numpy"), N("scikit-learn"), *unknown], exists=exists)
    assert len(exists.calls) == 1
    asked = exists.calls[0]
    assert "python3-unknown.project.0" in asked
    assert "python3-unknown.project.0" in asked
    assert "python3-numpy" not in asked  # known projects are not guessed
    assert len(asked) == len(set(asked))
    assert set(found) == {"numpy", "scikit-learn", "unknown-project-7"}


def test_lookup_many_no_call_when_all_known() -> None:
    exists = Exists(set())
    found = _bookworm().lookup_many([N("numpy"), N("scipy")], exists=exists)
    assert set(found) == {"numpy", "scipy"}
    assert exists.calls == []


def test_lookup_normalizes_input() -> None:
    match = _bookworm().lookup("Scikit_Learn")  # type: ignore[arg-type]
    assert match is not None
    assert match.project == "scikit-learn"


def test_never_native_beats_heuristic(tmp_path: Path) -> None:
    user = _user(tmp_path, "u.json", '{"apt": {"newthing": false}}')
    exists = Exists({"python3-newthing"})
    match = _bookworm(user_files=[user]).lookup(N("newthing"), exists=exists)
    assert match is not None
    assert match.never_native
    assert exists.calls == []


# --- reverse, messages, selection ---------------------------------------------------------


def test_dists_for_package(tmp_path: Path) -> None:
    user = _user(tmp_path, "u.toml", "[apt]\nsklearn-extra = ['python3-sklearn']\n")
    mapping = _bookworm(user_files=[user])
    assert mapping.dists_for_package("python3-sklearn") == ("sklearn-extra", "scikit-learn")
    assert _bookworm().dists_for_package("python3-sklearn") == ("scikit-learn",)
    assert _bookworm().dists_for_package("no-such-package") == ()


def test_unknown_message_and_error(tmp_path: Path) -> None:
    user = _user(tmp_path, "u.toml", "[apt]\nfoo = 'python3-foo'\n")
    mapping = _bookworm(user_files=[user])
    message = mapping.unknown_message(N("my-private-lib"))
    assert "'my-private-lib'" in message
    assert "No apt package" in message
    assert f"user mapping {user}" in message
    assert "bundled table debian bookworm" in message
    assert "python3-my-private-lib" in message
    assert "--mapping FILE" in message
    assert "'my-private-lib = [\"<package>\"]'" in message
    assert "my-private-lib = false" in message
    error = mapping.unknown_error(N("my-private-lib"))
    assert isinstance(error, NoNativePackageError)
    assert error.message == message
    assert error.hint


def test_release_by_number_and_derivative(monkeypatch: pytest.MonkeyPatch) -> None:
    by_number = load_mapping("apt", distro_id="debian", distro_release="12")
    assert by_number.lookup(N("numpy")) is not None
    monkeypatch.setattr(table, "_detect_distro", lambda: (["raspbian", "debian"], ["bookworm"]))
    derived = load_mapping("apt")
    assert any(s.startswith("bundled table debian bookworm") for s in derived.sources())


def test_no_bundled_table_is_reported() -> None:
    mapping = load_mapping("apt", distro_id="ubuntu", distro_release="noble")
    assert mapping.lookup(N("numpy")) is None
    assert any(
        "no bundled apt table for ubuntu noble (bundled: apt-debian-bookworm.json)" in s
        for s in mapping.sources()
    )


def test_other_ecosystems_take_user_files_first(tmp_path: Path) -> None:
    # conda has its own bundled exceptions and same-name guesses (tests/test_conda_mapping.py)
    user = _user(tmp_path, "u.toml", "[conda]\ntorch = 'pytorch-cpu'\n")
    mapping = load_mapping("conda", user_files=[user])
    exists = Exists({"numpy"})
    torch = mapping.lookup(N("torch"), exists=exists)
    assert torch is not None
    assert (torch.ecosystem, torch.packages, torch.source) == ("conda", ("pytorch-cpu",), "user")
    assert exists.calls == []


def test_unknown_ecosystem() -> None:
    with pytest.raises(UnsupportedBackendError) as info:
        load_mapping("pacman")
    assert "'pacman'" in info.value.message
    assert "apt, dnf, conda, brew" in (info.value.hint or "")


def test_reverse_lookup_trusts_the_bundled_table_over_requirement_aliases() -> None:
    """dh-python maps the old requirement name PIL to python3-pil; the package installs Pillow only."""
    from pip_native.mapping.model import MappingLayer, MappingMatch

    def layer(source: str, shipped: dict[str, tuple[str, ...]]) -> MappingLayer:
        return MappingLayer(
            source=source,
            origin=source,
            label=source,
            ecosystem="apt",
            matches={
                canonicalize_name(p): MappingMatch(
                    canonicalize_name(p), "apt", (pkg,), source, source
                )
                for pkg, ps in shipped.items()
                for p in ps
            },
            shipped_by={
                pkg: tuple(canonicalize_name(p) for p in ps) for pkg, ps in shipped.items()
            },
        )

    table = MappingTable(
        "apt",
        [
            layer("bundled", {"python3-pil": ("pillow",)}),
            layer("distro", {"python3-pil": ("pil", "pillow"), "python3-extra": ("extra",)}),
        ],
    )
    assert table.dists_for_package("python3-pil") == ("pillow",)
    assert table.dists_for_package("python3-extra") == ("extra",)  # unknown to the bundled table
