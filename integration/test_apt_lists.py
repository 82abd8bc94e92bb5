"""apt's answers on a reduced universe (pip_native.native.apt_lists) against its answers on
this machine's full package lists: the same packages, versions and files."""

from __future__ import annotations

from pathlib import Path

import pytest

from pip_native import subproc
from pip_native.native.apt_index import DPKG_QUERY_FORMAT, parse_dpkg_query
from pip_native.native.apt_lists import PackageLists, installed_dependencies, reduced_options
from pip_native.native.apt_output import parse_apt_config_shell

pytestmark = pytest.mark.integration

#: Requests of real archive packages: one package; a large closure with virtual
#: packages and alternatives (BLAS); an MTA chosen among providers.
REQUESTS = [
    ("python3-markupsafe",),
    ("python3-sklearn", "python3-pandas", "python3-matplotlib"),
    ("bsd-mailx",),
]


@pytest.fixture(scope="module")
def system_lists(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[PackageLists, dict[str, set[str]]]:
    result = subproc.run(
        ["apt-config", "shell", "LISTS", "Dir::State::Lists/d"], what="read apt's configuration"
    )
    lists_dir = Path(parse_apt_config_shell(result.stdout)["LISTS"])
    found = PackageLists.read(
        lists_dir, copies=tmp_path_factory.mktemp("lists") / "raw", env={}, hint="apt-get update"
    )
    if not found.knows("python3-sklearn"):
        pytest.skip("this machine's apt lists lack Debian's archive (run apt-get update)")
    installed = parse_dpkg_query(
        subproc.run(["dpkg-query", "-W", f"-f={DPKG_QUERY_FORMAT}"], what="list").stdout,
        subproc.run(["dpkg", "--print-architecture"], what="arch").stdout.strip(),
    )
    return found, installed_dependencies(installed)


def print_uris(names: tuple[str, ...], empty: Path, *options: str) -> list[str]:
    """The lines of ``apt-get --print-uris install`` that name what apt would install."""
    result = subproc.run(
        [
            "apt-get",
            "--print-uris",
            "-q",
            "-V",
            "-o",
            "Debug::NoLocking=1",
            "-o",
            f"Dir::Cache::Archives={empty}",
            *options,
            "install",
            "--no-install-recommends",
            *names,
        ],
        what="simulate an installation",
    )
    lines = result.stdout.splitlines()
    new = lines.index("The following NEW packages will be installed:")
    listed = []
    for line in lines[new + 1 :]:
        if not line.startswith(" "):
            break
        listed.append(line.strip())
    uris = [line for line in lines if line.startswith("'")]
    assert uris and listed
    return sorted(listed) + sorted(uris)


@pytest.mark.parametrize("names", REQUESTS, ids=lambda n: n[0])
def test_reduced_universe_gives_apt_full_answer(
    require_apt: None,
    system_lists: tuple[PackageLists, dict[str, set[str]]],
    names: tuple[str, ...],
    tmp_path: Path,
) -> None:
    found, dependencies = system_lists
    universe: set[str] = set()
    found.reach([*dependencies, *names], dependencies, universe)
    reduced = tmp_path / "lists"
    found.write(reduced, found.locate(universe))
    empty = tmp_path / "archives"
    empty.mkdir()
    assert 0 < len(universe) < 20_000  # of some 63,000 packages
    full = print_uris(names, empty)
    assert print_uris(names, empty, *reduced_options(reduced)) == full
    policy = ["apt-cache", "policy", *names]
    shown = subproc.run([*policy[:1], *reduced_options(reduced), *policy[1:]], what="policy")
    assert shown.stdout.count("Candidate:") == len(names)
    assert (
        shown.stdout.split("Version table")[0]
        == (subproc.run(policy, what="policy").stdout.split("Version table")[0])
    )
