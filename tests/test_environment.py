"""The target probe: the interpreter's own view of tags, markers and installed distributions."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from packaging import tags

from pip_native import _probe
from pip_native.environment import TargetEnvironment, probe, probe_this_process, start_probe
from pip_native.errors import TargetEnvironmentError


def test_probe_of_the_running_interpreter() -> None:
    env = probe(sys.executable)
    assert str(env.version) == ".".join(map(str, sys.version_info[:3]))
    assert env.tags[0] == next(iter(tags.sys_tags()))
    assert env.markers["python_version"] == f"{sys.version_info[0]}.{sys.version_info[1]}"
    assert env.installed["pytest"].version.major >= 8
    assert env.is_venv == (sys.prefix != sys.base_prefix)


def test_probe_reads_each_distributions_header_fields(tmp_path: Path) -> None:
    """Only the header is parsed, so a description line that looks like a field changes
    nothing; CRLF files, .egg-info files and requires.txt read as importlib.metadata does."""
    from pip_native import _probe

    info = tmp_path / "demo-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_bytes(
        b"Metadata-Version: 2.1\r\nName: demo\r\nVersion: 1.0\r\n"
        b"Requires-Dist: idna>=2\r\nRequires-Dist: certifi; extra == 'tls'\r\n"
        b"Requires-Python: >=3.8\r\n\r\nName: not-a-field\r\nRequires-Dist: nope\r\n"
    )
    (info / "INSTALLER").write_text("pip\n")
    (info / "WHEEL").write_text("Wheel-Version: 1.0\nTag: py3-none-any\n")
    (tmp_path / "flat-2.0.egg-info").write_text("Metadata-Version: 1.1\nName: flat\nVersion: 2.0\n")
    egg = tmp_path / "eggy-3.0.egg-info"
    egg.mkdir()
    (egg / "PKG-INFO").write_text("Metadata-Version: 1.1\nName: eggy\nVersion: 3.0\n\nbody\n")
    (egg / "requires.txt").write_text("six\n\n[tests]\npytest\n")
    found = {d["name"]: d for d in _probe._distributions([str(tmp_path)])}
    assert set(found) == {"demo", "flat", "eggy"}
    assert found["demo"]["version"] == "1.0"
    assert found["demo"]["requires"] == ["idna>=2", "certifi; extra == 'tls'"]
    assert found["demo"]["requires_python"] == ">=3.8"
    assert (found["demo"]["installer"], found["demo"]["pure"]) == ("pip", True)
    assert found["flat"]["version"] == "2.0"
    assert found["eggy"]["requires"] == ["six", 'pytest; extra == "tests"']


def test_probe_of_a_broken_interpreter_names_it(tmp_path: Path) -> None:
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\necho boom >&2\nexit 3\n")
    fake.chmod(0o755)
    with pytest.raises(TargetEnvironmentError) as err:
        probe(str(fake))
    assert str(fake) in err.value.message and "boom" in err.value.message


def _raw(**over: object) -> str:
    base: dict[str, object] = {
        "executable": "/v/bin/python",
        "base_executable": "/usr/bin/python3",
        "version": "3.11.2",
        "implementation": "cpython",
        "prefix": "/v",
        "base_prefix": "/usr",
        "is_venv": True,
        "system_site_packages": True,
        "purelib": "/v/lib",
        "platlib": "/v/lib",
        "sys_path": ["/v/lib", "/usr/lib/python3/dist-packages"],
        "externally_managed": None,
        "markers": {"python_version": "3.11"},
        "tags": ["py3-none-any"],
        "distributions": [],
    }
    base.update(over)
    return json.dumps(base)


def _dist(name: str, version: str, location: str, pure: object = None) -> dict[str, object]:
    return {
        "name": name,
        "version": version,
        "location": location,
        "metadata_dir": None,
        "installer": "",
        "requires": ["idna>=2", "not a requirement!"],
        "requires_python": None,
        "pure": pure,
    }


def test_first_copy_on_sys_path_wins_and_duplicates_are_reported() -> None:
    env = TargetEnvironment.from_probe_json(
        _raw(
            distributions=[
                _dist("six", "1.16.0", "/usr/lib/python3/dist-packages"),
                _dist("Six", "1.17.0", "/v/lib"),
                _dist("broken", "not-a-version", "/v/lib"),
            ]
        )
    )
    assert str(env.installed["six"].version) == "1.17.0"
    assert env.installed["six"].in_target
    assert [str(d.version) for d in env.duplicates["six"]] == ["1.16.0", "1.17.0"]
    assert "broken" not in env.installed  # invalid versions are ignored, as pip does
    assert [str(r) for r in env.installed["six"].requires] == [
        "idna>=2"
    ]  # unparsable Requires-Dist skipped


def test_wheel_tags_tell_pure_installs_from_native_ones() -> None:
    env = TargetEnvironment.from_probe_json(
        _raw(
            distributions=[
                _dist("six", "1.17.0", "/v/lib", pure=True),
                _dist("numpy", "2.1.0", "/v/lib", pure=False),
                _dist("distro", "1.8.0", "/usr/lib/python3/dist-packages"),
            ]
        )
    )
    assert [env.installed[n].pure for n in ("six", "numpy", "distro")] == [True, False, None]
    real = probe(sys.executable)
    assert real.installed["pytest"].pure is True  # pytest is a py3-none-any wheel


def test_this_process_is_described_as_the_probe_describes_its_interpreter(tmp_path: Path) -> None:
    """pip's hook describes its own interpreter without a process: in a fresh interpreter
    (``-c``, so ``sys.path`` starts with ``""``, as the hook's after pip removed its first
    entry), the answer equals the probe's, distributions, paths, tags and markers."""
    site = tmp_path / "site"
    dist = site / "demo-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n")
    src = Path(__file__).resolve().parents[1] / "src"
    code = (
        "import json, sys\n"
        "from pip_native.environment import probe, probe_this_process\n"
        "here, there = probe_this_process(), probe(sys.executable)\n"
        "print(json.dumps([here == there, sorted(here.installed), list(here.sys_path)]))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(src), str(site)])}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    equal, names, paths = json.loads(out.stdout)
    assert "demo" in names
    assert paths[:2] == [str(src), str(site)]
    assert equal


def test_this_process_is_the_only_interpreter_described_in_it() -> None:
    with pytest.raises(ValueError, match="not this process's interpreter"):
        start_probe("/usr/bin/some-other-python", this_process=True)


def test_this_process_keeps_its_answer_apart_from_the_probes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stored under a key of its own (its paths and flags), read back while nothing changed."""
    cache = tmp_path / "cache"
    here = probe_this_process(cache_dir=cache)
    there = probe(sys.executable, cache_dir=cache)
    assert len(list(cache.glob("probe-*.json"))) == 2

    def fail(*_args: object) -> object:
        raise AssertionError("described again")

    monkeypatch.setattr(_probe, "describe", fail)
    assert probe_this_process(cache_dir=cache) == here
    assert probe(sys.executable, cache_dir=cache) == there
    monkeypatch.setattr(sys, "path", [*sys.path, str(tmp_path)])
    with pytest.raises(AssertionError, match="described again"):
        probe_this_process(cache_dir=cache)  # another path: another answer
