"""Homebrew formula names for PyPI projects: the name guesses and a small bundled exception table."""

from __future__ import annotations

from collections.abc import Mapping

from packaging.utils import NormalizedName, canonicalize_name

from pip_native.mapping.model import MappingLayer, MappingMatch

__all__ = ["BUNDLED_ORIGIN", "EXCEPTIONS", "brew_candidates", "bundled_layer"]

BUNDLED_ORIGIN = "pip_native/mapping/brew.py"

#: PyPI project -> (formula, or None for "never from brew", the evidence).
#: Only what the name guesses get wrong: library formulae with other names, and
#: Python *applications* whose formula builds the project's PyPI sdist into a
#: private virtualenv (so ``import`` in the target never sees it).
#: Checked against homebrew-core formula files on 2026-11-25.
EXCEPTIONS: Mapping[str, tuple[str | None, str]] = {
    "pygobject": (
        "pygobject3",
        "Formula/p/pygobject3.rb builds pygobject-3.56.2.tar.gz for python@3.13 and python@3.14",
    ),
    "pycairo": (
        "py3cairo",
        "Formula/p/py3cairo.rb builds pycairo-1.27.0.tar.gz for python@3.12 and python@3.13",
    ),
    "borgbackup": (
        None,
        "Formula/b/borgbackup.rb is an application: it installs borgbackup into its own "
        "virtualenv (Language::Python::Virtualenv), not into a site-packages",
    ),
    "pyinstaller": (
        None,
        "Formula/p/pyinstaller.rb is an application: it installs pyinstaller into its own "
        "virtualenv (Language::Python::Virtualenv), not into a site-packages",
    ),
}


def brew_candidates(project: NormalizedName) -> tuple[str, ...]:
    """Formula names a PyPI project may have in homebrew-core, most likely first.

    ``python-<name>`` (``python-matplotlib``; where such a formula exists it is
    the Python one), then ``<name>`` itself (``numpy``, ``scipy``, ``pillow``,
    ``cryptography``, ``cffi``: Homebrew's current policy names library
    formulae without a prefix). None is known to exist or to build the
    project; the caller asks brew, and the backend takes a formula as
    providing the project only when its source is that project's sdist.
    """
    project = canonicalize_name(project)
    if project.startswith("python-"):
        return (project,)
    return (f"python-{project}", project)


def bundled_layer() -> MappingLayer:
    """:data:`EXCEPTIONS` as a mapping layer (kind ``bundled``)."""
    matches: dict[NormalizedName, MappingMatch] = {}
    shipped_by: dict[str, list[NormalizedName]] = {}
    for raw, (formula, evidence) in EXCEPTIONS.items():
        project = canonicalize_name(raw)
        matches[project] = MappingMatch(
            project=project,
            ecosystem="brew",
            packages=(formula,) if formula else (),
            source="bundled",
            origin=BUNDLED_ORIGIN,
            reason=f"bundled Homebrew exceptions: {evidence}",
        )
        if formula:
            shipped_by.setdefault(formula, []).append(project)
    return MappingLayer(
        source="bundled",
        origin=BUNDLED_ORIGIN,
        label=f"bundled Homebrew exceptions ({BUNDLED_ORIGIN})",
        ecosystem="brew",
        matches=matches,
        shipped_by={k: tuple(v) for k, v in shipped_by.items()},
    )
