"""Sanity checks of the bundled table src/pip_native/data/apt-debian-bookworm.json."""

from __future__ import annotations

import json
from importlib import resources

import pytest
from packaging.utils import NormalizedName

from pip_native.mapping import MappingLayer, bundled_tables, load_bundled_table

NAME = "apt-debian-bookworm.json"


@pytest.fixture(scope="module")
def layer() -> MappingLayer:
    return load_bundled_table(NAME)


def test_table_is_bundled_and_small() -> None:
    assert NAME in bundled_tables("apt")
    text = resources.files("pip_native").joinpath("data", NAME).read_text(encoding="utf-8")
    assert len(text.encode()) < 500_000
    header = json.loads(text)
    assert header["format"] == 1
    assert (header["distro"], header["release"], header["release_version"]) == (
        "debian",
        "bookworm",
        "12",
    )
    assert header["generated"]
    urls = [source["url"] for source in header["sources"]]
    assert "https://deb.debian.org/debian/dists/bookworm/main/Contents-all.gz" in urls
    assert "https://deb.debian.org/debian/dists/bookworm/main/Contents-amd64.gz" in urls
    assert header["stats"]["projects"] > 4000


@pytest.mark.parametrize(
    ("project", "package"),
    [
        ("scikit-learn", "python3-sklearn"),
        ("numpy", "python3-numpy"),
        ("pyyaml", "python3-yaml"),
        ("scipy", "python3-scipy"),
        ("joblib", "python3-joblib"),
        ("pillow", "python3-pil"),
        ("attrs", "python3-attr"),
        ("zope-interface", "python3-zope.interface"),
        ("python-dateutil", "python3-dateutil"),
        ("psycopg", "python3-psycopg"),
        ("setuptools", "python3-setuptools"),
        ("click", "python3-click"),
    ],
)
def test_known_projects(layer: MappingLayer, project: str, package: str) -> None:
    match = layer.matches[NormalizedName(project)]
    assert match.packages == (package,)
    assert match.source == "bundled"
    assert match.origin == f"pip_native/data/{NAME}"
    assert "bundled table debian bookworm" in match.describe()


def test_describe_names_the_metadata_dir(layer: MappingLayer) -> None:
    assert layer.matches[NormalizedName("scikit-learn")].describe() == (
        "python3-sklearn (bundled table debian bookworm: ships scikit_learn-1.2.1.egg-info)"
    )


def test_reverse(layer: MappingLayer) -> None:
    assert layer.shipped_by["python3-sklearn"] == ("scikit-learn",)
    assert layer.shipped_by["python3-yaml"] == ("pyyaml",)
    assert len(layer.shipped_by["python3-azure"]) > 100


def test_ambiguous_project_lists_alternatives(layer: MappingLayer) -> None:
    match = layer.matches[NormalizedName("click")]
    assert match.alternatives == ("python3-click-package",)
    assert "also provided by python3-click-package" in match.describe()
