"""Tests for pip_native.mapping.indexed: the large sources looked up where they lie.

Each lookup is compared with the whole source parsed the plain way (every line, every
metadata directory, as the layers were built before), on the real bundled table, the
recorded dh-python excerpt, this machine's dh-python file when it has one, and edge
cases written here.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest
from packaging.utils import NormalizedName, canonicalize_name

from pip_native.mapping import debian
from pip_native.mapping.indexed import BundledPackages, Looked, PyDistLines, WhenAsked
from pip_native.mapping.model import MatchRow

DATA = Path(__file__).parent / "data" / "mapping"

EDGE_PYDIST = """\
# comment
SimPy python3-simpy
simpy python3-simpy3
Foo.Bar python3-foo.bar (>= 1.0)
foo_bar python3-foobar
six python3-six
sixer python3-sixer
six-ext python3-sixer, python3-six
Ignored
3.1- python3-bogus
bad!name python3-bad
zope.interface 3.6- python3-zope.interface; PEP386
\tTabbed\tpython3-tabbed
"""

EDGE_BUNDLED = {
    "python3-foo": ["Foo-1.0.dist-info", "foo-1.0-py3.11.egg-info"],
    "python3-foo-ext": ["foo-2.0.egg-info", "foo_ext-2.0.dist-info"],
    "python3-bar": ["bar.egg-info"],
    "python3-zope.interface": ["zope.interface-5.5.2-py3.11.egg-info"],
    "python3-kiwisolver": ["kiwisolver-0.0.0.dist-info", "kiwisolver-1.4.4.dist-info"],
    "python3-broken": ["not a dir", "-1.0.dist-info"],
    "python3-empty": [],
}


def plain_pydist(text: str) -> tuple[dict[str, MatchRow], dict[str, tuple[str, ...]]]:
    """Rows (first line of each project wins) and their reverse, the whole file parsed."""
    entries, _ = debian.parse_pydist(text)
    rows: dict[str, MatchRow] = {}
    for entry in entries:
        rows.setdefault(entry.project, (entry.packages, (), f"{entry.line_number}: {entry.text}"))
    reverse: dict[str, list[str]] = {}
    for project, (packages, _, _) in rows.items():
        for package in packages:
            reverse.setdefault(package, []).append(project)
    return rows, {package: tuple(projects) for package, projects in reverse.items()}


def plain_bundled(
    packages: dict[str, list[str]],
) -> tuple[dict[str, MatchRow], dict[str, tuple[str, ...]], dict[tuple[str, str], str]]:
    """Rows, reverse and versions, every directory parsed (the layer's former build)."""
    shipped: dict[str, dict[str, str]] = {}
    shipped_by: dict[str, list[str]] = {}
    versions: dict[tuple[str, str], str] = {}
    for package, dirnames in packages.items():
        for dirname in dirnames:
            parsed = debian.parse_metadata_dir(dirname)
            if parsed is None:
                continue
            if parsed.raw_version is not None:
                versions[(package, parsed.project)] = parsed.raw_version
            shipped.setdefault(parsed.project, {}).setdefault(package, parsed.dirname)
            projects = shipped_by.setdefault(package, [])
            if parsed.project not in projects:
                projects.append(parsed.project)
    rows: dict[str, MatchRow] = {}
    for project, by_package in shipped.items():
        ordered = (
            debian.preferred_package(NormalizedName(project), by_package)
            if len(by_package) > 1
            else ()
        )
        first, *others = ordered or tuple(by_package)
        rows[project] = ((first,), tuple(others), by_package[first])
    return rows, {p: tuple(v) for p, v in shipped_by.items()}, versions


def pydist_texts() -> list[str]:
    texts = [EDGE_PYDIST, (DATA / "cpython3_fallback.excerpt").read_text()]
    machine = Path(debian.DH_PYTHON_FALLBACK)
    if machine.is_file():
        texts.append(machine.read_text(encoding="utf-8"))
    return texts


def bundled_tables() -> list[dict[str, list[str]]]:
    text = resources.files("pip_native").joinpath("data", "apt-debian-bookworm.json").read_text()
    return [EDGE_BUNDLED, json.loads(text)["packages"]]


@pytest.mark.parametrize("text", pydist_texts(), ids=["edge", "excerpt", "machine"][:3])
def test_pydist_lookups_equal_the_whole_file_parsed(text: str) -> None:
    rows, reverse = plain_pydist(text)
    lines = PyDistLines(text)
    asked = {canonicalize_name(line.split()[0]) for line in text.splitlines() if line.split()}
    asked |= {"not-there", "six-ext", "foo-bar"}
    for project in sorted(asked):
        assert lines.row(NormalizedName(project)) == rows.get(project), project
    packages = {p for packs, _, _ in rows.values() for p in packs} | {"python3-si", "absent"}
    for package in sorted(packages):
        assert lines.projects_of(package) == reverse.get(package), package
    assert lines.rows() == rows
    assert lines.shipped_by() == reverse


def test_pydist_edge_cases_read_as_dh_python_means_them() -> None:
    lines = PyDistLines(EDGE_PYDIST)
    # 'SimPy' and 'simpy' are one project: the first line wins, and only it names a package
    assert lines.row(NormalizedName("simpy")) == (("python3-simpy",), (), "2: SimPy python3-simpy")
    assert lines.projects_of("python3-simpy3") is None
    assert lines.row(NormalizedName("foo-bar")) == (
        ("python3-foo.bar",),
        (),
        "4: Foo.Bar python3-foo.bar (>= 1.0)",
    )
    # a package name inside another is not that package
    assert lines.projects_of("python3-six") == ("six", "six-ext")
    assert lines.projects_of("python3-sixer") == ("sixer", "six-ext")
    assert lines.row(NormalizedName("ignored")) is None
    assert lines.row(NormalizedName("bad-name")) is None
    assert lines.row(NormalizedName("zope-interface")) is not None
    # 'Ignored' (no package), '3.1-' and 'bad!name' (not names), the tabbed line (one word)
    assert lines.notes() == [
        "4 lines skipped: 9, 10, 11, 13",
        "2 names duplicated under PEP 503, first kept",
    ]


@pytest.mark.parametrize("packages", bundled_tables(), ids=["edge", "bundled"])
def test_bundled_lookups_equal_the_whole_table_parsed(packages: dict[str, list[str]]) -> None:
    rows, reverse, versions = plain_bundled(packages)
    indexed = BundledPackages(packages)
    names = {
        canonicalize_name(d.rpartition(".")[0].partition("-")[0])
        for dirs in packages.values()
        for d in dirs
    }
    for project in sorted(names | {"not-there"}):
        assert indexed.row(NormalizedName(project)) == rows.get(project), project
    for package in sorted(packages):
        assert indexed.projects_of(package) == reverse.get(package), package
        for project in reverse.get(package, ()):
            key = (package, NormalizedName(project))
            assert indexed.version(key) == versions.get(key), key
    assert dict(indexed.rows()) == rows
    assert list(indexed.rows()) == list(rows)  # the table's order
    assert indexed.shipped_by() == reverse
    assert indexed.versions() == versions


def test_bundled_edge_cases() -> None:
    indexed = BundledPackages(EDGE_BUNDLED)
    # two packages ship foo: Debian's name for the project comes first
    assert indexed.row(NormalizedName("foo")) == (
        ("python3-foo",),
        ("python3-foo-ext",),
        "Foo-1.0.dist-info",
    )
    assert indexed.row(NormalizedName("bar")) == (("python3-bar",), (), "bar.egg-info")
    assert indexed.version(("python3-bar", NormalizedName("bar"))) is None
    assert indexed.version(("python3-kiwisolver", NormalizedName("kiwisolver"))) == "1.4.4"
    assert indexed.row(NormalizedName("zope-interface")) is not None
    assert indexed.projects_of("python3-broken") is None
    assert indexed.projects_of("python3-empty") is None
    assert indexed.projects_of("python3-unknown") is None


def test_looked_asks_once_per_key_and_iterates_the_whole() -> None:
    asked: list[str] = []

    def one(key: str) -> int | None:
        asked.append(key)
        return len(key) if key != "none" else None

    looked = Looked(one, lambda: {"a": 1, "bb": 2})
    assert looked["abc"] == 3
    assert looked.get("abc") == 3
    assert "none" not in looked
    assert looked.get("none") is None
    with pytest.raises(KeyError):
        looked["none"]
    assert [] not in looked  # not hashable: not a key
    assert asked == ["abc", "none"]
    assert sorted(looked) == ["a", "bb"]
    assert len(looked) == 2


def test_notes_are_made_when_first_read() -> None:
    made: list[int] = []

    def make() -> list[str]:
        made.append(1)
        return ["one", "two"]

    notes = WhenAsked(make)
    assert made == []
    assert bool(notes)
    assert "; ".join(notes) == "one; two"
    assert notes[1] == "two"
    assert made == [1]
