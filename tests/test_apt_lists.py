"""Tests for pip_native.native.apt_lists: apt's lists scanned, a universe reached and written.

The lists here are small hand-written Packages files; integration/test_apt_lists.py
reads this machine's real lists with apt-helper and compares apt's answers on a
reduced universe with its answers on the full lists.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pip_native.native import apt_lists
from pip_native.native.apt_index import parse_dpkg_query
from pip_native.native.apt_lists import (
    PackageLists,
    _List,
    _SortedTable,
    installed_dependencies,
    list_files,
    reduced_options,
)

MAIN = Path("/lists/deb.example.org_debian_dists_stable_main_binary-amd64_Packages.lz4")
UPDATES = Path("/lists/deb.example.org_debian_dists_stable-updates_main_binary-amd64_Packages")
I386 = Path("/lists/deb.example.org_debian_dists_stable_main_binary-i386_Packages.gz")


def stanza(name: str, version: str = "1.0", arch: str = "amd64", **fields: str) -> str:
    lines = [f"Package: {name}", f"Version: {version}", f"Architecture: {arch}"]
    lines += [f"{key.replace('_', '-')}: {value}" for key, value in fields.items()]
    lines.append("Description: a package\n with a long description\n .\n and more")
    return "\n".join(lines) + "\n\n"


MAIN_TEXT = "".join(
    [
        stanza("python3-flask", Depends="python3-werkzeug (>= 2), python3:any"),
        stanza("python3-werkzeug", arch="all", Depends="python3-markupsafe | python3-jinja2"),
        stanza("python3-markupsafe", Pre_Depends="libc6 (>= 2.34)", Depends="python3 (<< 3.12)"),
        stanza("python3-jinja2", arch="all"),
        stanza("libc6", "2.36"),
        stanza("mail-client", Provides="mail-reader (= 2),\n mua"),
        stanza("mutt", Depends="mail-transport-agent | default-mta"),
        stanza("exim4", Provides="mail-transport-agent"),
        stanza("postfix", Provides="mail-transport-agent, default-mta"),
        stanza("unrelated", Depends="libc6"),
        stanza("python3-flask", "2.0"),  # a second version in the same list
    ]
)
UPDATES_TEXT = stanza("python3-markupsafe", "1.1", Depends="python3 (<< 3.12), libnew1")
I386_TEXT = stanza("libc6", "2.36", arch="i386") + stanza("only-i386", arch="i386")


def lists() -> PackageLists:
    return PackageLists.in_memory(
        [(MAIN, MAIN_TEXT.encode()), (UPDATES, UPDATES_TEXT.encode()), (I386, I386_TEXT.encode())],
        [Path("/lists/deb.example.org_debian_dists_stable_InRelease")],
    )


def from_files(tmp_path: Path, texts: list[tuple[Path, str]]) -> PackageLists:
    """Lists scanned from decompressed copies in files (memory-mapped), as a plan reads them."""
    copies = tmp_path / "copies"
    copies.mkdir()
    for number, (_, text) in enumerate(texts):
        (copies / str(number)).write_text(text)
    entries = [_List(path, copies / str(n), None) for n, (path, _) in enumerate(texts)]
    return PackageLists.scanned(entries, [])


def stanzas_of(found: PackageLists, name: str) -> list[str]:
    return [entry.read(start, end).decode() for entry, start, end in found._spans(name)]


@pytest.mark.parametrize("source", ["memory", "files"])
def test_scan_finds_every_stanza_of_every_list(source: str, tmp_path: Path) -> None:
    texts = [(MAIN, MAIN_TEXT), (UPDATES, UPDATES_TEXT), (I386, I386_TEXT)]
    found = lists() if source == "memory" else from_files(tmp_path, texts)
    flask = stanzas_of(found, "python3-flask")
    assert [re.search(r"Version: (\S+)", s).group(1) for s in flask] == ["1.0", "2.0"]  # type: ignore[union-attr]
    assert all(s.startswith("Package: python3-flask\n") and s.endswith("\n\n") for s in flask)
    markupsafe = stanzas_of(found, "python3-markupsafe")
    assert len(markupsafe) == 2 and "libnew1" in markupsafe[1]
    assert [s.count("Architecture: i386") for s in stanzas_of(found, "libc6")] == [0, 1]
    assert stanzas_of(found, "no-such-package") == []
    every = [stanzas_of(found, n) for n in ("unrelated", "only-i386", "postfix")]
    assert [len(s) for s in every] == [1, 1, 1]


@pytest.mark.parametrize("window", [1, 7, 64, 300])
def test_a_list_read_in_windows_gives_what_one_window_gives(
    window: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A memory map is scanned a window of whole stanzas at a time (its pages given
    back after each): every stanza and Provides field is found whatever the window."""
    whole = lists()
    monkeypatch.setattr(apt_lists, "_WINDOW", window)
    texts = [(MAIN, MAIN_TEXT), (UPDATES, UPDATES_TEXT), (I386, I386_TEXT)]
    for found in (lists(), from_files(tmp_path, texts)):
        for name in ("python3-flask", "python3-markupsafe", "libc6", "mutt", "only-i386"):
            assert stanzas_of(found, name) == stanzas_of(whole, name)
        for virtual in ("mail-transport-agent", "mua", "mail-reader", "default-mta"):
            assert sorted(found.providers(virtual)) == sorted(whole.providers(virtual))


def test_a_stanza_at_the_very_start_and_an_empty_list(tmp_path: Path) -> None:
    found = from_files(tmp_path, [(MAIN, stanza("first") + stanza("second")), (UPDATES, "")])
    assert stanzas_of(found, "first") == [stanza("first")]
    assert stanzas_of(found, "second") == [stanza("second")]
    assert not found.knows("Package") and not found.knows("")


@pytest.mark.parametrize("source", ["memory", "files"])
def test_provided_names(source: str, tmp_path: Path) -> None:
    texts = [(MAIN, MAIN_TEXT), (UPDATES, UPDATES_TEXT), (I386, I386_TEXT)]
    found = lists() if source == "memory" else from_files(tmp_path, texts)
    assert set(found.providers("mail-transport-agent")) == {"exim4", "postfix"}
    assert found.providers("mail-reader") == ["mail-client"]
    assert found.providers("mua") == ["mail-client"]  # on a continuation line
    assert found.providers("default-mta") == ["postfix"]
    assert found.providers("postfix") == []
    assert found.knows("mua") and found.knows("only-i386") and found.knows("libc6:i386")
    assert not found.knows("no-such-package")


def test_tables_saved_and_loaded_answer_alike(tmp_path: Path) -> None:
    copies = tmp_path / "raw"
    copies.mkdir()
    paths = []
    for number, (path, text) in enumerate([(MAIN, MAIN_TEXT), (I386, I386_TEXT)]):
        (copies / str(number)).write_text(text)
        paths.append(path)
    lists = [_List(path, copies / str(n), None) for n, path in enumerate(paths)]
    scanned = PackageLists.scanned(lists, [])
    scanned.save(copies)
    loaded = PackageLists.load(copies)
    assert loaded is not None
    for name in ("python3-flask", "libc6", "only-i386", "mutt", "nothing", "python3"):
        assert stanzas_of(loaded, name) == stanzas_of(scanned, name)
        assert loaded.knows(name) == scanned.knows(name)
    assert stanzas_of(loaded, "python3-flask")[1].startswith("Package: python3-flask\nVersion: 2.0")
    for virtual in ("mail-transport-agent", "mua", "default-mta", "nothing"):
        assert sorted(loaded.providers(virtual)) == sorted(scanned.providers(virtual))
    universe: set[str] = set()
    assert loaded.reach(["mutt"], {}, universe) == scanned.reach(["mutt"], {}, set())
    for damage in ("", "garbage", '{"format": 1}'):
        (copies / "tables.json").write_text(damage)
        assert PackageLists.load(copies) is None
    assert PackageLists.load(tmp_path / "missing") is None


@pytest.mark.parametrize(
    "keys",
    [
        [],
        ["a"],
        ["a", "a-b", "a.b", "ab", "b", "libc6", "libc6-dev", "python3", "python3-x", "zz"],
        [f"name{n:05d}" for n in range(0, 3000, 7)],
    ],
)
def test_sorted_table_finds_every_key_and_no_other(tmp_path: Path, keys: list[str]) -> None:
    rows = [(key, str(n), "x") for n, key in enumerate(keys)] + [(k, "again") for k in keys[::3]]
    in_memory = _SortedTable.of_lines(["\t".join(row) for row in reversed(rows)])
    in_memory.write(tmp_path / "table")
    for table in (in_memory, _SortedTable.open(tmp_path / "table")):
        for key in keys:
            expected = sorted([r[1:] for r in rows if r[0] == key])
            assert sorted(tuple(r) for r in table.rows(key)) == [tuple(e) for e in expected]
        for missing in ("", "0", "a-", "libc", "libc6-", "python", "zzz", "name00001", "~"):
            if missing not in keys:
                assert table.rows(missing) == []


def test_reach_follows_every_alternative_provider_and_version() -> None:
    found = lists()
    universe: set[str] = set()
    added = found.reach(["python3-flask"], {}, universe)
    assert added == universe
    # python3:any and python3 (<< 3.12) name python3, which no list has: kept all the same
    assert universe == {
        "python3-flask",
        "python3-werkzeug",
        "python3-markupsafe",
        "python3-jinja2",
        "python3",
        "libc6",
        "libnew1",  # only the newer version in the updates list depends on it
    }
    mutt = found.reach(["mutt"], {}, universe)
    assert mutt == {"mutt", "mail-transport-agent", "default-mta", "exim4", "postfix"}
    assert found.reach(["mutt", "libc6:i386"], {}, universe) == set()


def test_reach_follows_installed_dependencies() -> None:
    installed = parse_dpkg_query(
        "unrelated\tamd64\t0.9\tii \t\tlibold1 | libc6\t\toptional\tunrelated\t0.9\n", "amd64"
    )
    dependencies = installed_dependencies(installed)
    assert dependencies == {"unrelated": {"libold1", "libc6"}}
    universe: set[str] = set()
    assert PackageLists.in_memory([]).reach(installed, dependencies, universe) == {
        "unrelated",
        "libold1",
        "libc6",
    }


def test_write_keeps_each_list_and_its_release_files(tmp_path: Path) -> None:
    release = tmp_path / "lists" / "deb.example.org_debian_dists_stable_InRelease"
    release.parent.mkdir()
    release.write_text("Origin: Example\n")
    found = PackageLists.in_memory(
        [(MAIN, MAIN_TEXT.encode()), (UPDATES, UPDATES_TEXT.encode()), (I386, I386_TEXT.encode())],
        [release],
    )
    universe: set[str] = set()
    found.reach(["python3-markupsafe"], {}, universe)
    out = tmp_path / "reduced"
    found.write(out, found.locate(universe))
    assert sorted(p.name for p in out.iterdir()) == [
        "deb.example.org_debian_dists_stable-updates_main_binary-amd64_Packages",
        release.name,
        "deb.example.org_debian_dists_stable_main_binary-amd64_Packages",
        "deb.example.org_debian_dists_stable_main_binary-i386_Packages",
    ]
    assert (out / release.name).resolve() == release
    main = (out / "deb.example.org_debian_dists_stable_main_binary-amd64_Packages").read_text()
    # the stanzas of the universe, whole and in the list's order
    assert main == stanza(
        "python3-markupsafe", Pre_Depends="libc6 (>= 2.34)", Depends="python3 (<< 3.12)"
    ) + stanza("libc6", "2.36")
    updates = out / "deb.example.org_debian_dists_stable-updates_main_binary-amd64_Packages"
    assert updates.read_text() == UPDATES_TEXT
    i386 = out / "deb.example.org_debian_dists_stable_main_binary-i386_Packages"
    assert i386.read_text() == stanza("libc6", "2.36", arch="i386")
    with pytest.raises(FileExistsError):  # a universe's directory is written once
        found.write(out, found.locate(universe))
    # what the lists know of the universe: not the names no list has (python3 here)
    assert sorted(found.locate(universe)) == sorted(n for n in universe if found.knows(n))
    assert "python3" in universe and "python3" not in found.locate(universe)


def test_list_files(tmp_path: Path) -> None:
    names = [
        "a_dists_x_main_binary-amd64_Packages.lz4",
        "a_dists_x_main_binary-amd64_Packages",
        "a_dists_x_InRelease",
        "b_dists_y_Release",
        "b_dists_y_Release.gpg",
        "a_dists_x_main_i18n_Translation-en",
        "a_dists_x_main_source_Sources.xz",
        "lock",
    ]
    for name in names:
        (tmp_path / name).write_text("")
    (tmp_path / "partial").mkdir()
    packages, releases = list_files(tmp_path)
    assert [p.name for p in packages] == names[1::-1]
    assert [p.name for p in releases] == ["a_dists_x_InRelease", names[3], names[4]]


def test_reduced_options_switch_the_binary_cache_off(tmp_path: Path) -> None:
    """apt would otherwise write a cache of the reduced lists over the system's."""
    options = reduced_options(tmp_path)
    pairs = dict(o.split("=", 1) for o in options[1::2])
    assert options[::2] == ("-o",) * 3
    assert pairs == {
        "Dir::State::lists": str(tmp_path),
        "Dir::Cache::pkgcache": "",
        "Dir::Cache::srcpkgcache": "",
    }
