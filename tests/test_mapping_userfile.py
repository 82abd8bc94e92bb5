"""Tests for user mapping files (--mapping FILE): TOML and JSON, values, validation errors."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from packaging.utils import NormalizedName

from pip_native.errors import MappingFileError
from pip_native.mapping import load_user_file

if TYPE_CHECKING:
    from pathlib import Path

TOML = """\
# my overrides
[apt]
Scikit_Learn = ["python3-sklearn"]
my-internal-lib = "python3-mylib"
somepkg = false
two = ["python3-two", "python3-two-data"]

[conda]
torch = ["pytorch"]
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_toml_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "map.toml", TOML)
    layer = load_user_file(path, "apt")
    assert layer.source == "user"
    assert set(layer.matches) == {"scikit-learn", "my-internal-lib", "somepkg", "two"}
    sklearn = layer.matches[NormalizedName("scikit-learn")]
    assert sklearn.packages == ("python3-sklearn",)
    assert (sklearn.source, sklearn.origin) == ("user", str(path))
    assert sklearn.describe() == (
        f'python3-sklearn (user mapping {path}: [apt] Scikit_Learn = ["python3-sklearn"])'
    )
    assert layer.matches[NormalizedName("my-internal-lib")].packages == ("python3-mylib",)
    assert layer.matches[NormalizedName("two")].packages == ("python3-two", "python3-two-data")
    assert layer.shipped_by["python3-two-data"] == ("two",)


def test_false_means_never_native(tmp_path: Path) -> None:
    layer = load_user_file(_write(tmp_path, "map.toml", TOML), "apt")
    match = layer.matches[NormalizedName("somepkg")]
    assert match.packages == ()
    assert match.never_native
    assert match.describe().startswith("never native (always from PyPI) (user mapping ")
    assert "somepkg = false" in match.describe()


def test_other_ecosystem_section(tmp_path: Path) -> None:
    layer = load_user_file(_write(tmp_path, "map.toml", TOML), "conda")
    assert layer.matches[NormalizedName("torch")].packages == ("pytorch",)
    assert len(layer.matches) == 1
    assert not load_user_file(_write(tmp_path, "m2.toml", "[conda]\n"), "apt").matches


def test_json_same_shape(tmp_path: Path) -> None:
    data = {"apt": {"scikit-learn": ["python3-sklearn"], "somepkg": False}}
    layer = load_user_file(_write(tmp_path, "map.json", json.dumps(data)), "apt")
    assert layer.matches[NormalizedName("scikit-learn")].packages == ("python3-sklearn",)
    assert layer.matches[NormalizedName("somepkg")].never_native


@pytest.mark.parametrize(
    ("name", "text", "parts"),
    [
        ("m.toml", "[apt]\nfoo = [\n", ["not valid TOML"]),
        ("m.json", '{"apt": {foo}}', ["not valid JSON", "line 1"]),
        ("m.json", '["apt"]', ["top level", "not an object"]),
        ("m.toml", "[atp]\nfoo = ['python3-foo']\n", ["table [atp]", "apt, dnf, conda, brew"]),
        ("m.toml", "apt = 3\n", ["[apt]", "not a table"]),
        ("m.toml", "[apt]\n'foo bar' = ['python3-foo']\n",
         ["entry 'foo bar'", "PyPI project name"]),
        ("m.toml", "[apt]\nfoo = true\n", ["entry 'foo'", "value is true", "false"]),
        ("m.toml", "[apt]\nfoo = 3\n", ["entry 'foo'", "value is 3"]),
        ("m.toml", "[apt]\nfoo = []\n", ["entry 'foo'", "empty", "foo = false"]),
        ("m.toml", "[apt]\nfoo = ['python3-foo', 3]\n",
         ["entry 'foo', package 2", "3 is not a string"]),
        ("m.toml", "[apt]\nfoo = ['python3-foo', 'Python3_Foo']\n",
         ["entry 'foo', package 2", "'Python3_Foo' is not a valid apt package name"]),
        ("m.toml", "[conda]\nfoo = ['Foo Bar']\n",
         ["[conda] entry 'foo', package 1", "conda package"]),
        ("m.toml", "[apt]\nFoo_Bar = 'python3-a'\nfoo-bar = 'python3-b'\n",
         ["entry 'foo-bar'", "same project (foo-bar) as entry 'Foo_Bar'"]),
    ],
)  # fmt: skip
def test_errors_name_file_entry_and_field(
    tmp_path: Path, name: str, text: str, parts: list[str]
) -> None:
    path = _write(tmp_path, name, text)
    with pytest.raises(MappingFileError) as info:
        load_user_file(path, "apt")
    assert str(path) in info.value.message
    assert info.value.hint
    for part in parts:
        assert part in info.value.render()


def test_error_in_unused_table_is_still_reported(tmp_path: Path) -> None:
    path = _write(tmp_path, "m.toml", "[apt]\nok = 'python3-ok'\n[brew]\nbad = [1]\n")
    with pytest.raises(MappingFileError, match=r"\[brew\] entry 'bad', package 1"):
        load_user_file(path, "apt")


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    with pytest.raises(MappingFileError) as info:
        load_user_file(path, "apt")
    assert str(path) in info.value.message
    assert "--mapping" in (info.value.hint or "")


def test_toml_date_value_is_shown(tmp_path: Path) -> None:
    path = _write(tmp_path, "m.toml", "[apt]\nfoo = 2024-01-01\n")
    with pytest.raises(MappingFileError, match=r"entry 'foo': the value is datetime.date"):
        load_user_file(path, "apt")


def test_external_tables_are_left_to_the_external_mapping(tmp_path: Path) -> None:
    path = tmp_path / "both.toml"
    path.write_text(
        '[apt]\nfoo = ["python3-foo"]\n\n[external.apt]\n"dep:generic/openblas" = ["libopenblas0"]\n'
    )
    layer = load_user_file(path, "apt")
    assert [str(n) for n in layer.matches] == ["foo"]
