"""Tests for pip_native.native.apt_store: the SQLite index and the apt-get -s result cache."""

from __future__ import annotations

import importlib.util
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pip_native.errors import IndexFetchError
from pip_native.native import apt_store
from pip_native.native.apt_index import AptIndex, Record, parse_dpkg_query
from pip_native.native.apt_stanzas import parse_dumpavail
from pip_native.subproc import CommandResult
from test_apt_recordings import load_recording

if TYPE_CHECKING:
    from collections.abc import Iterator

KEY = "0123456789abcdef0123456789abcdef"


def _recorder_roots() -> tuple[str, ...]:
    """The roots whose closures the dumpavail excerpt holds, from the script that recorded it."""
    path = Path(__file__).resolve().parent / "data" / "apt" / "record.py"
    spec = importlib.util.spec_from_file_location("apt_recorder", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return tuple(module.EXCERPT_ROOTS)


ROOTS = _recorder_roots()


@pytest.fixture(scope="module")
def recorded() -> tuple[dict[str, Record], dict[str, Record]]:
    available = parse_dumpavail(load_recording("dumpavail-excerpt").stdout, "amd64")
    installed = parse_dpkg_query(load_recording("dpkg-query-W").stdout, "amd64")
    return available, installed


def chunks(text: str) -> Iterator[bytes]:
    """dumpavail output in chunks of 4 kB, as the adapter reads apt's."""
    data = text.encode()
    return (data[i : i + 4096] for i in range(0, len(data), 4096))


def store(
    cache: Path, recorded: tuple[dict[str, Record], dict[str, Record]], key: str = KEY
) -> apt_store.StoredIndex:
    """The recorded dumpavail excerpt stored; ``recorded`` holds what it parses to."""
    _, installed = recorded
    output = chunks(load_recording("dumpavail-excerpt").stdout)
    return apt_store.write_index(cache, key, output, installed, "amd64")


def test_round_trip(tmp_path: Path, recorded: tuple[dict[str, Record], dict[str, Record]]) -> None:
    available, installed = recorded
    written = store(tmp_path, recorded)
    assert written.path == tmp_path / f"apt-index-{KEY}.sqlite"
    # the database and apt's output as apt wrote it; no temporaries left
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        f"apt-index-{KEY}.dumpavail",
        written.path.name,
    ]
    assert (tmp_path / f"apt-index-{KEY}.dumpavail").read_text() == load_recording(
        "dumpavail-excerpt"
    ).stdout
    loaded = apt_store.load_index(tmp_path, KEY)
    assert loaded is not None
    assert loaded.installed == installed
    assert list(loaded.installed) == list(installed)
    # the lazy mapping behaves like the dict it replaces
    stored = loaded.available
    assert stored["python3-numpy"] == available["python3-numpy"]
    assert stored.get("python3-numpy") == available["python3-numpy"]
    assert stored.get("no-such-package") is None
    assert stored.get("no-such-package", "default") == "default"
    assert "python3-numpy" in stored
    assert "no-such-package" not in stored
    assert 42 not in stored
    with pytest.raises(KeyError):
        stored["no-such-package"]
    assert list(stored) == list(available)
    assert len(stored) == len(available)
    assert dict(stored.items()) == available


def test_provider_table_matches_in_memory_index(
    tmp_path: Path, recorded: tuple[dict[str, Record], dict[str, Record]]
) -> None:
    available, installed = recorded
    table = AptIndex(available, installed, "amd64").provider_table()
    loaded = store(tmp_path, recorded)
    providers = loaded.providers
    assert dict(providers.items()) == dict(table)
    assert list(providers) == list(table)
    assert len(providers) == len(table)
    virtual = next(iter(table))
    assert providers[virtual] == table[virtual]
    assert virtual in providers
    assert providers.get("no-such-virtual") is None
    assert providers.get("no-such-virtual", []) == []
    assert "no-such-virtual" not in providers
    with pytest.raises(KeyError):
        providers["no-such-virtual"]


def test_closures_from_the_store_equal_in_memory_closures(
    tmp_path: Path, recorded: tuple[dict[str, Record], dict[str, Record]]
) -> None:
    available, installed = recorded
    memory = AptIndex(available, installed, "amd64")
    loaded = store(tmp_path, recorded)
    lazy = AptIndex(loaded.available, loaded.installed, "amd64", loaded.providers)
    roots = [*ROOTS, *sorted(available)]
    for root in roots:
        assert lazy.closure(root) == memory.closure(root), root


def test_duplicate_keys_behave_like_a_dict(tmp_path: Path) -> None:
    text = (
        "Package: a\nVersion: 1\nArchitecture: all\nProvides: virt\n\n"
        "Package: b\nVersion: 1\nArchitecture: all\n\n"
        "Package: a\nVersion: 2\nArchitecture: all\nProvides: other\n\n"
        "Package: b\nVersion: 2\nArchitecture: all\n\n"
    )
    loaded = apt_store.write_index(tmp_path, KEY, chunks(text), {}, "amd64")
    assert list(loaded.available.items()) == list(parse_dumpavail(text, "amd64").items())
    assert [r.version for r in loaded.available.values()] == ["2", "2"]
    assert len(loaded.available) == 2
    assert dict(loaded.providers.items()) == {"other": [("a", None, False)]}


def test_stored_fields_are_decoded_like_the_in_memory_parse(tmp_path: Path) -> None:
    """Continuation lines, a Source with its version, a foreign architecture, missing
    fields: what a plan reads back equals what parse_dumpavail gives."""
    text = (
        "Package: x\nVersion: 1:2.0-1\nArchitecture: i386\nSource: xsrc (1:2.0-0.1)\n"
        "Depends: libc6 (>= 2.34),\n  zlib1g | libz\nPre-Depends: dpkg\n"
        "Provides: vx (= 2.0),\n vy\nPriority: optional\nDescription: d\n more\n\n"
        "Package: y\nVersion: 3\n\n"
        "Package: noversion\n\n"
    )
    expected = parse_dumpavail(text, "amd64")
    assert sorted(expected) == ["x:i386", "y"]
    loaded = apt_store.write_index(tmp_path, KEY, chunks(text), {}, "amd64")
    assert dict(loaded.available.items()) == expected
    assert expected["x:i386"].depends == "libc6 (>= 2.34), zlib1g | libz"
    assert expected["x:i386"].source == "xsrc 1:2.0-0.1"
    assert dict(loaded.providers.items()) == {
        "vx": [("x:i386", "2.0", False)],
        "vy": [("x:i386", None, False)],
    }


def test_other_key_or_format_is_ignored(
    tmp_path: Path, recorded: tuple[dict[str, Record], dict[str, Record]]
) -> None:
    written = store(tmp_path, recorded)
    foreign = tmp_path / "apt-index-ffffffffffffffffffffffffffffffff.sqlite"
    written.path.rename(foreign)
    assert apt_store.load_index(tmp_path, "f" * 32) is None  # its content says KEY
    store(tmp_path, recorded)
    assert not foreign.exists()  # a new index replaces the others
    with sqlite3.connect(tmp_path / f"apt-index-{KEY}.sqlite") as connection:
        connection.execute("UPDATE meta SET value = '3' WHERE name = 'format'")
    connection.close()
    assert apt_store.load_index(tmp_path, KEY) is None


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "no tables"])
def test_damaged_database_is_ignored(
    tmp_path: Path, recorded: tuple[dict[str, Record], dict[str, Record]], damage: str
) -> None:
    path = store(tmp_path, recorded).path
    data = path.read_bytes()
    if damage == "garbage":
        path.write_bytes(b"\x00garbage" * 100)
    elif damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "empty":
        path.write_bytes(b"")
    else:
        path.unlink()
        sqlite3.connect(path).close()
    assert apt_store.load_index(tmp_path, KEY) is None
    assert apt_store.load_index(tmp_path / "missing", KEY) is None


@pytest.mark.parametrize("damage", ["missing", "truncated", "longer"])
def test_damaged_output_file_is_ignored(
    tmp_path: Path, recorded: tuple[dict[str, Record], dict[str, Record]], damage: str
) -> None:
    """The database says how long apt's output beside it is; any other length (or no
    file) means the index is read from apt again."""
    store(tmp_path, recorded)
    output = tmp_path / f"apt-index-{KEY}.dumpavail"
    data = output.read_bytes()
    if damage == "missing":
        output.unlink()
    else:
        output.write_bytes(data[:-100] if damage == "truncated" else data + b"\n")
    assert apt_store.load_index(tmp_path, KEY) is None


def test_output_cut_short_during_a_run_is_a_pip_native_error(
    tmp_path: Path, recorded: tuple[dict[str, Record], dict[str, Record]]
) -> None:
    loaded = store(tmp_path, recorded)
    output = tmp_path / f"apt-index-{KEY}.dumpavail"
    output.write_bytes(output.read_bytes()[:100])  # the same file, cut after it was opened
    with pytest.raises(IndexFetchError) as info:
        loaded.available.get("python3-numpy")
    assert str(output) in info.value.message
    assert info.value.hint and "Delete" in info.value.hint


def test_read_error_during_a_run_is_a_pip_native_error(
    tmp_path: Path, recorded: tuple[dict[str, Record], dict[str, Record]]
) -> None:
    loaded = store(tmp_path, recorded)
    loaded._db._connection.close()
    with pytest.raises(IndexFetchError) as info:
        loaded.available.get("python3-numpy")
    assert str(loaded.path) in info.value.message
    assert info.value.hint and "Delete" in info.value.hint


def test_failed_write_leaves_nothing_behind(
    tmp_path: Path, recorded: tuple[dict[str, Record], dict[str, Record]]
) -> None:
    _, installed = recorded

    def broken() -> Iterator[bytes]:
        yield from list(chunks(load_recording("dumpavail-excerpt").stdout))[:3]
        raise OSError("apt-cache went away")

    with pytest.raises(OSError, match="went away"):
        apt_store.write_index(tmp_path, KEY, broken(), installed, "amd64")
    assert list(tmp_path.iterdir()) == []


def test_concurrent_writers(
    tmp_path: Path, recorded: tuple[dict[str, Record], dict[str, Record]]
) -> None:
    """Runs building the same (or another) index at once all get a usable one."""
    results: list[apt_store.StoredIndex] = []
    errors: list[BaseException] = []

    def build(key: str) -> None:
        try:
            results.append(store(tmp_path, recorded, key))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=build, args=(k,)) for k in [KEY] * 4 + ["e" * 32] * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for loaded in results:  # even those whose file another writer removed meanwhile
        assert loaded.available["python3-numpy"].version == "1:1.24.2-1+deb12u1"
    assert len(list(tmp_path.glob("apt-index-*.sqlite"))) in (1, 2)
    assert {p.stem for p in tmp_path.glob("apt-index-*.dumpavail")} == {
        p.stem for p in tmp_path.glob("apt-index-*.sqlite")
    }
    assert list(tmp_path.glob(".apt-index-*")) == []


def test_a_newer_index_of_another_state_is_kept(
    tmp_path: Path, recorded: tuple[dict[str, Record], dict[str, Record]]
) -> None:
    """Only older files go: two runs in different apt states writing at once used to
    remove each other's and leave none (1 in 25 runs of the test above)."""
    first = store(tmp_path, recorded, KEY).path
    later = time.time_ns() + 10**11  # written by another run, after this one's
    os.utime(first, ns=(later, later))
    second = store(tmp_path, recorded, "e" * 32).path
    assert first.exists() and second.exists()
    store(tmp_path, recorded, "f" * 32)
    assert not second.exists()  # older than the newest write: gone
    assert not second.with_suffix(".dumpavail").exists()
    assert first.exists()
    assert first.with_suffix(".dumpavail").exists()
    # an output without its database: a writer's, between its renames, or left by a killed run
    orphan = tmp_path / "apt-index-dddddddddddddddddddddddddddddddd.dumpavail"
    orphan.write_bytes(b"")
    store(tmp_path, recorded, "f" * 32)
    assert orphan.exists()
    os.utime(orphan, (time.time() - 7200, time.time() - 7200))
    store(tmp_path, recorded, "f" * 32)
    assert not orphan.exists()


# -- apt-get -s results --------------------------------------------------------

ARGV = ("apt-get", "-s", "install", "python3-numpy")


def test_simulation_round_trip(tmp_path: Path) -> None:
    result = CommandResult(ARGV, 0, "Inst python3-numpy (1 Debian:12/stable [amd64])\n", "W: x\n")
    assert apt_store.load_simulation(tmp_path, KEY, ARGV, {}) is None
    apt_store.store_simulation(tmp_path, KEY, result, {})
    assert apt_store.load_simulation(tmp_path, KEY, ARGV, {}) == result
    assert apt_store.load_simulation(tmp_path, KEY, ARGV, {"APT_CONFIG": "/x"}) is None
    assert apt_store.load_simulation(tmp_path, KEY, (*ARGV, "more"), {}) is None
    assert apt_store.load_simulation(tmp_path, "f" * 32, ARGV, {}) is None


def test_failed_simulation_is_not_stored(tmp_path: Path) -> None:
    apt_store.store_simulation(tmp_path, KEY, CommandResult(ARGV, 100, "", "E: x"), {})
    assert list(tmp_path.iterdir()) == []


def test_simulation_store_failure_is_ignored(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    apt_store.store_simulation(blocker / "cache", KEY, CommandResult(ARGV, 0, "", ""), {})
    assert apt_store.load_simulation(blocker / "cache", KEY, ARGV, {}) is None
