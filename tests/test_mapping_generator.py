"""Tests for tools/gen_debian_mapping.py on recorded excerpts of bookworm's Contents indices."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from packaging.utils import NormalizedName

from pip_native.mapping import MappingTable, load_table_file

if TYPE_CHECKING:
    from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data" / "mapping"


@pytest.fixture(scope="module")
def gen() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "gen_debian_mapping", ROOT / "tools" / "gen_debian_mapping.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["gen_debian_mapping"] = module
    spec.loader.exec_module(module)
    return module


def _excerpt(name: str) -> list[str]:
    return (DATA / name).read_text().splitlines(keepends=True)


@pytest.fixture(scope="module")
def body(gen: ModuleType) -> dict[str, Any]:
    table: dict[str, Any] = gen.build_table(
        [("all", _excerpt("Contents-all.excerpt")), ("amd64", _excerpt("Contents-amd64.excerpt"))]
    )
    return table


def test_build_table_packages(body: dict[str, Any]) -> None:
    packages = body["packages"]
    assert packages["python3-sklearn"] == ["scikit_learn-1.2.1.egg-info"]
    assert packages["python3-yaml"] == ["PyYAML-6.0.dist-info"]
    assert packages["python3-numpy"] == ["numpy-1.24.2.egg-info"]
    assert packages["python3-zope.interface"] == ["zope.interface-5.5.2.egg-info"]
    assert packages["cairo-dock-dbus-plug-in-interface-python"] == [
        "CDApplet-1.0.egg-info",
        "CDBashApplet-1.0.egg-info",
    ]
    # vendored metadata below a package, and the invalid '_pycbf' name, are not listed
    assert "python3-py" not in packages
    assert "python3-pycbf" not in packages
    # names with non-PEP 440 versions are kept (the name is what matters)
    assert packages["cmdtest"] == ["cmdtest-0.32_git.egg-info"]
    assert packages["python3-colorcet"] == ["colorcet-None.egg-info"]


def test_build_table_arch_and_stats(body: dict[str, Any]) -> None:
    assert "python3-numpy" in body["arch_dependent"]
    assert "python3-yaml" in body["arch_dependent"]
    assert "python3-sklearn" not in body["arch_dependent"]
    stats = body["stats"]
    assert stats["skipped_invalid_names"] == 1
    assert stats["skipped_examples"] == ["_pycbf-0.0.0.egg-info"]
    assert stats["versions_not_pep440"] == 2
    assert stats["projects_in_several_packages"] == 2  # click and simpy
    assert stats["packages"] == len(body["packages"])


def test_rendered_table_loads(gen: ModuleType, body: dict[str, Any], tmp_path: Path) -> None:
    header = {"format": 1, "ecosystem": "apt", "distro": "debian", "release": "bookworm"}
    text = gen.render_table(header, body)
    assert json.loads(text)["packages"] == body["packages"]
    assert text.count("\n") == len(body["packages"]) + 2  # one package per line
    path = tmp_path / "apt-debian-bookworm.json"
    path.write_text(text)
    layer = load_table_file(path)
    click = layer.matches["click"]  # type: ignore[index]
    assert click.packages == ("python3-click",)
    assert click.alternatives == ("python3-click-package",)
    assert layer.matches["scikit-learn"].describe() == (  # type: ignore[index]
        "python3-sklearn (bundled table debian bookworm: ships scikit_learn-1.2.1.egg-info)"
    )


def test_metadata_versions_are_normalized_when_asked(tmp_path: Path) -> None:
    """The table keeps a metadata directory's version as written; the lookup shows it as
    pip does (PEP 440 normal form), and a version that is not PEP 440 counts as unknown."""
    path = tmp_path / "apt-debian-bookworm.json"
    packages = {
        "python3-kiwisolver": ["kiwisolver-0.0.0.dist-info"],
        "python3-fancy": ["fancy-1.0.RC1.dist-info"],
        "cmdtest": ["cmdtest-0.32_git.egg-info"],
    }
    path.write_text(json.dumps({"format": 1, "release": "bookworm", "packages": packages}))
    table = MappingTable("apt", [load_table_file(path)])
    assert table.metadata_version("python3-kiwisolver", NormalizedName("kiwisolver")) == "0.0.0"
    assert table.metadata_version("python3-fancy", NormalizedName("fancy")) == "1.0rc1"
    assert table.metadata_version("cmdtest", NormalizedName("cmdtest")) is None
    assert table.metadata_version("python3-fancy", NormalizedName("kiwisolver")) is None
    assert table.dists_for_package("python3-fancy") == ("fancy",)


def test_main_offline(gen: ModuleType, tmp_path: Path) -> None:
    import gzip

    for arch in ("all", "amd64"):
        raw = (DATA / f"Contents-{arch}.excerpt").read_bytes()
        (tmp_path / f"Contents-{arch}.gz").write_bytes(gzip.compress(raw))
    out = tmp_path / "table.json"
    assert (
        gen.main(["--contents-dir", str(tmp_path), "--date", "2026-11-25", "--output", str(out)])
        == 0
    )
    data = json.loads(out.read_text())
    assert data["generated"] == "2026-11-25"
    assert data["release"] == "bookworm"
    assert data["release_version"] == "12"
    assert data["sources"][0]["url"].endswith("/dists/bookworm/main/Contents-all.gz")
    assert "python3-sklearn" in data["packages"]
