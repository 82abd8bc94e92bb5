"""The conda name mapping: same-name guesses, the bundled exceptions, user files (mapping/conda.py)."""

from __future__ import annotations

import json
from importlib import resources
from typing import TYPE_CHECKING

import pytest
from packaging.utils import NormalizedName

from pip_native.mapping import load_mapping
from pip_native.mapping.conda import EXCEPTIONS_FILE, conda_candidates, load_known_exceptions

if TYPE_CHECKING:
    from pathlib import Path


@pytest.mark.parametrize(
    ("project", "guesses"),
    [
        ("requests", ("requests",)),
        ("scikit-learn", ("scikit-learn", "scikit_learn", "scikit.learn")),
        ("Typing_Extensions", ("typing-extensions", "typing_extensions", "typing.extensions")),
        ("ruamel.yaml", ("ruamel-yaml", "ruamel_yaml", "ruamel.yaml")),
    ],
)
def test_guesses_are_the_pep503_name_then_other_spellings(
    project: str, guesses: tuple[str, ...]
) -> None:
    assert conda_candidates(NormalizedName(project)) == guesses


def test_bundled_exceptions_cite_their_sources() -> None:
    data = json.loads(resources.files("pip_native").joinpath("data", EXCEPTIONS_FILE).read_text())
    sources = data["sources"]
    assert data["format"] == 1 and data["generated"] == "2026-11-25"
    for project, entry in data["projects"].items():
        assert entry["packages"], project
        assert entry["evidence"], project
        for cited in entry["source"].split(", "):
            assert cited in sources, (project, cited)


def test_bundled_exceptions_layer() -> None:
    layer = load_known_exceptions()
    assert layer.matches[NormalizedName("torch")].packages == ("pytorch",)
    assert layer.matches[NormalizedName("opencv-python")].packages == ("py-opencv",)
    assert layer.matches[NormalizedName("matplotlib")].packages == ("matplotlib-base",)
    assert layer.matches[NormalizedName("graphviz")].packages == ("python-graphviz",)
    assert layer.shipped_by["pytorch"] == ("torch",)
    assert "conda-forge pytorch" in layer.matches[NormalizedName("torch")].describe()


def test_load_mapping_conda_table_then_heuristic() -> None:
    table = load_mapping("conda")
    seen: list[list[str]] = []

    def exists(names: object) -> set[str]:
        seen.append(sorted(names))  # type: ignore[call-overload]
        return {"requests", "typing_extensions", "pytorch"}

    found = table.lookup_many(
        [NormalizedName(n) for n in ("torch", "requests", "typing-extensions", "nosuchthing")],
        exists=exists,
    )
    assert found[NormalizedName("torch")].source == "bundled"
    assert found[NormalizedName("requests")].packages == ("requests",)
    assert found[NormalizedName("typing-extensions")].packages == ("typing_extensions",)
    assert found[NormalizedName("typing-extensions")].source == "heuristic"
    assert NormalizedName("nosuchthing") not in found
    assert len(seen) == 1  # one batched existence check for every guess
    assert any("same-name conda packages" in line for line in table.sources())


def test_a_guess_that_ships_another_project_is_rejected() -> None:
    """PyPI 'pytorch' is a placeholder project; conda's pytorch ships torch, so it is no match."""
    table = load_mapping("conda")
    found = table.lookup_many([NormalizedName("pytorch")], exists=set)
    assert NormalizedName("pytorch") not in found
    assert table.rejected_guess(NormalizedName("pytorch")) == "pytorch ships torch, not pytorch"


def test_user_file_wins_over_the_bundled_table(tmp_path: Path) -> None:
    path = tmp_path / "map.toml"
    path.write_text('[conda]\ntorch = ["pytorch-cpu"]\nnumpy = false\n')
    table = load_mapping("conda", user_files=[path])
    torch = table.lookup(NormalizedName("torch"))
    numpy = table.lookup(NormalizedName("numpy"), exists=set)
    assert torch is not None and torch.packages == ("pytorch-cpu",) and torch.source == "user"
    assert numpy is not None and numpy.never_native
    assert table.dists_for_package("pytorch-cpu") == ("torch",)
