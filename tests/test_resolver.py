"""The joint resolution over a local index (tiny real wheels) and an in-memory system universe."""

from __future__ import annotations

import collections
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from pytest_mock import MockerFixture
from resolvelib import BaseReporter

from fakes import FakeAdapter, FakePackage, installed, make_env
from localindex import LocalIndex
from pip_native.errors import ResolutionConflictError
from pip_native.mapping import load_mapping
from pip_native.native.base import SystemPackage
from pip_native.plan import build_plan
from pip_native.resolver import Resolution, Source, resolve
from pip_native.resolver.model import USER, Candidate, SpecRequirement
from pip_native.resolver.sources import NativeSource, PyPISource
from scenario import PLATFORM_TAG, World, write_mapping


def sources(res: Resolution) -> dict[str, tuple[str, str]]:
    return {n: (str(c.version), c.source.value) for n, c in res.candidates.items()}


def test_sklearn_and_requests_split_between_apt_and_pypi(world: World) -> None:
    res = world.resolve("scikit-learn", "requests")
    assert sources(res) == {
        "scikit-learn": ("1.2.1", "native"),
        "numpy": ("1.24.2", "native"),
        "scipy": ("1.10.1", "native"),
        # pure projects, but python3-sklearn brings them: the system copies count as provided
        "joblib": ("1.2.0", "native"),
        "threadpoolctl": ("3.1.0", "native"),
        "requests": ("2.32.3", "pypi"),
        "urllib3": ("2.2.3", "pypi"),
        "idna": ("3.10", "pypi"),
        "certifi": ("2024.8.30", "pypi"),
        "charset-normalizer": ("3.4.0", "pypi"),
    }
    wheel = res.candidates["charset-normalizer"].file
    assert wheel is not None and wheel.is_pure  # the pure wheel, not the platform one
    assert res.required_by["joblib"] == ("scikit-learn 1.2.1",)
    assert res.required_by["requests"] == ("you",)


def test_pure_requirement_conflicting_with_apt_version_names_both_sides(world: World) -> None:
    with pytest.raises(ResolutionConflictError) as err:
        world.resolve("scikit-learn", "numpy>=2")
    text = err.value.render()
    assert "numpy>=2 (required by you)" in text
    assert "no pure wheel" in text
    assert "apt offers 1.24.2 (python3-numpy 1:1.24.2-1+deb12u1)" in text


def test_pure_dependency_cannot_shadow_a_system_provided_copy(world: World) -> None:
    # needs-new-joblib wants joblib>=1.4; python3-sklearn brings joblib 1.2.0 from apt.
    with pytest.raises(ResolutionConflictError) as err:
        world.resolve("scikit-learn", "needs-new-joblib")
    text = err.value.render()
    assert "joblib>=1.4 (required by needs-new-joblib 1.0)" in text
    assert "joblib==1.2.0 from apt" in text


def test_backtracks_to_an_older_pure_release_that_fits_the_system(world: World) -> None:
    res = world.resolve("plotlib")
    assert sources(res)["plotlib"] == ("1.0", "pypi")
    assert sources(res)["numpy"] == ("1.24.2", "native")


def test_native_project_without_system_package_is_a_clear_error(world: World) -> None:
    with pytest.raises(ResolutionConflictError) as err:
        world.resolve("compiledonly")
    text = err.value.render()
    assert "compiledonly" in text
    assert "no pure wheel" in text.lower()
    assert "no apt package is known for compiledonly" in text
    assert "--mapping FILE" in text  # the hint says how to map it


def test_a_name_nothing_knows_gets_a_spelling_hint(world: World) -> None:
    """A likely typo: no index and no system package knows the name."""
    with pytest.raises(ResolutionConflictError) as err:
        world.resolve("reqeusts")
    hint = err.value.hint or ""
    assert "No configured index and no apt package knows reqeusts: check its spelling" in hint
    assert "--mapping FILE" not in hint


def test_constraints_limit_versions_without_adding_projects(world: World) -> None:
    res = world.resolve("requests", constraints=["urllib3<2", "pysocks==1.7.1"])
    assert sources(res)["urllib3"] == ("1.26.20", "pypi")
    assert "pysocks" not in res.candidates  # a constraint never adds a project


def test_a_constraint_also_limits_the_system_package(world: World) -> None:
    """numpy can only come from apt (1.24.2): a constraint excluding it is a clear conflict."""
    with pytest.raises(ResolutionConflictError) as err:
        world.resolve("scikit-learn", constraints=["numpy>=2"])
    assert "constraint numpy>=2 (c.txt, line 1)" in err.value.message
    assert sources(world.resolve("scikit-learn", constraints=["numpy<2"]))["numpy"] == (
        "1.24.2",
        "native",
    )


def test_a_search_that_runs_out_names_the_native_projects_the_system_lacks(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Normally: the release needing the unavailable native project is passed over.
    assert sources(world.resolve("needs-compiled"))["needs-compiled"] == ("1.0", "pypi")
    monkeypatch.setattr("pip_native.resolver.MAX_ROUNDS", 1)
    with pytest.raises(ResolutionConflictError) as err:
        world.resolve("needs-compiled")
    assert "did not finish after 1 rounds" in err.value.message
    assert "no pure wheel and no apt package here" in err.value.message
    assert "compiledonly (required by needs-compiled 2.0)" in err.value.message
    assert "--mapping FILE" in (err.value.hint or "")


def test_candidates_that_can_be_in_no_solution_are_not_retried(world: World) -> None:
    """Every mid needs a native project the system lacks: once that is known, no release of
    top makes the resolver pin the mids again (resolvelib alone would, for each top)."""
    tried: collections.Counter[str] = collections.Counter()

    class Counting(BaseReporter):  # type: ignore[type-arg]
        def rejecting_candidate(self, criterion: object, candidate: Candidate) -> None:
            tried[candidate.name] += 1

    wanted = [SpecRequirement.from_requirement(Requirement("top"), USER)]
    res = resolve(wanted, world.provider(), reporter=Counting())
    assert sources(res)["top"] == ("1.0", "pypi") and "mid" not in res.candidates
    assert tried["mid"] <= 5  # each mid at most once, not once per top release (20)


def test_the_system_package_stands_in_when_no_pure_release_fits(
    world: World, mocker: MockerFixture
) -> None:
    """A pure project's system package is a candidate once none of its PyPI releases is
    left (jupyterlab with apt: argon2-cffi's pure releases need argon2-cffi-bindings,
    which Debian lacks; python3-argon2 21.1.0 holds the C code itself). Before that, and
    in a plan whose pure projects resolve, the system is not asked about them."""
    asked = mocker.spy(NativeSource, "candidate")
    res = world.resolve("argonish-server", "requests")
    assert sources(res)["argonish"] == ("1.0", "native")
    assert sources(res)["argonish-server"] == ("2.0", "pypi")
    assert sources(res)["requests"] == ("2.32.3", "pypi")
    names = {call.args[1] for call in asked.call_args_list}
    assert "argonish" in names and not names & {"requests", "urllib3", "idna"}
    # a requirement the system package does not meet still fails, naming the missing project
    with pytest.raises(ResolutionConflictError) as err:
        world.resolve("argonish>=2")
    assert "compiledonly" in err.value.message


def test_a_pre_release_system_package_stands_in_only_when_pre_releases_are_wanted(
    world: World,
) -> None:
    """argonish's pure finals fit 'argonish' (and fail later): as with PyPI's own
    pre-releases, a system package at 1.1b1 is then no candidate unless asked for."""
    world.adapter.packages = {
        **world.adapter.packages,
        "python3-argonish": FakePackage("python3-argonish", "1.1~b1-1", [("argonish", "1.1b1")]),
    }
    with pytest.raises(ResolutionConflictError):
        world.resolve("argonish-server")
    res = world.resolve("argonish-server", "argonish>=1.1b1")
    assert sources(res)["argonish"] == ("1.1b1", "native")


def test_a_pure_copy_in_the_target_keeps_the_system_package_out(world: World) -> None:
    """A pip-installed argonish 0.5 in the venv would shadow the system's 1.0 on sys.path:
    the system package is no stand-in then, and argonish>=1.0 has no candidate."""
    world.env = make_env(installed("argonish", "0.5"))
    with pytest.raises(ResolutionConflictError) as err:
        world.resolve("argonish>=1.0")
    assert "compiledonly" in err.value.message
    assert sources(world.resolve("argonish"))["argonish"] == ("0.5", "installed")


def test_a_dead_final_release_still_keeps_pre_releases_out(world: World) -> None:
    """As in pip: pre-top 2.0 fits '>1.0' (and fails), so 3.0a1 is no candidate without --pre."""
    with pytest.raises(ResolutionConflictError) as err:
        world.resolve("pre-top>1.0")
    assert "compiledonly (required by pre-top 2.0)" in err.value.message
    assert sources(world.resolve("pre-top>=3.0a1"))["pre-top"] == ("3.0a1", "pypi")


def test_metadata_is_fetched_ahead_only_for_candidates_that_pass(
    world: World, mocker: MockerFixture
) -> None:
    """Looking ahead costs requests: never for releases a specifier already rules out."""
    ahead = mocker.spy(PyPISource, "prefetch_metadata")
    res = world.resolve("urllib3<2", "joblib")
    assert sources(res)["urllib3"] == ("1.26.20", "pypi")
    fetched = [str(c.version) for call in ahead.call_args_list for c in call.args[1]]
    names = [c.name for call in ahead.call_args_list for c in call.args[1]]
    assert "2.2.3" not in fetched  # urllib3 2.2.3 fails '<2'
    assert sorted(names) == ["joblib", "joblib", "urllib3"]  # both joblibs: the next one too
    assert len(fetched) == len(set(zip(names, fetched)))  # each at most once


def test_a_project_walked_down_has_its_next_releases_fetched_at_once(
    world: World, mocker: MockerFixture
) -> None:
    """Each rejected release of top makes resolvelib ask for top's candidates anew: from
    the first rejection on, the metadata of all its next releases (up to the lookahead)
    is fetched together, not one more release per backtrack (jupyterlab with apt walks
    down 94 releases this way, each read waiting for the one before)."""
    ahead = mocker.spy(PyPISource, "prefetch_metadata")
    res = world.resolve("top")
    assert sources(res)["top"] == ("1.0", "pypi")
    batches = [
        [str(c.version) for c in call.args[1] if c.name == "top"] for call in ahead.call_args_list
    ]
    batches = [b for b in batches if b]
    assert batches == [["5.0", "4.0"], ["3.0", "2.0", "1.0"]]


def test_requires_python_filters_pure_wheels(world: World) -> None:
    assert sources(world.resolve("future-only"))["future-only"] == ("0.9", "pypi")


def test_extras_pull_in_their_dependencies(world: World) -> None:
    res = world.resolve("requests[socks]")
    assert sources(res)["pysocks"] == ("1.7.1", "pypi")
    assert res.extras["requests"] == frozenset({"socks"})


def test_installed_distribution_is_kept_unless_upgrading(
    index: LocalIndex, mapping_file: Path, tmp_path: Path
) -> None:
    env = make_env(
        installed(
            "requests", "2.31.0", requires=["urllib3", "idna", "certifi", "charset-normalizer"]
        )
    )
    w = World(index, mapping_file, tmp_path, env=env)
    assert sources(w.resolve("requests"))["requests"] == ("2.31.0", "installed")
    assert sources(w.resolve("requests", upgrade=True))["requests"] == ("2.32.3", "pypi")


def test_system_installed_copy_satisfies_the_native_pin(
    index: LocalIndex, mapping_file: Path, tmp_path: Path
) -> None:
    env = make_env(
        installed("numpy", "1.24.2", in_target=False, location="/usr/lib/python3/dist-packages")
    )
    w = World(index, mapping_file, tmp_path, env=env)
    w.adapter.packages["python3-numpy"].installed = True
    res = w.resolve("scikit-learn")
    assert res.candidates["numpy"].source is Source.INSTALLED
    assert res.candidates["numpy"].is_system_provided


def test_native_lookups_are_batched(world: World) -> None:
    world.resolve("scikit-learn", "requests", "pyyaml")
    queries = [args for kind, args in world.adapter.calls if kind == "query"]
    # the first query covers every direct requirement's mapped package at once
    assert {"python3-sklearn", "python3-yaml"} <= set(queries[0])


def test_a_pure_pick_made_before_the_native_pin_arrives_is_revised(world: World) -> None:
    # joblib==1.2.0 is resolved first (from PyPI); python3-sklearn then brings joblib 1.2.0
    # itself. Same version, but only the system copy may satisfy the pin: no second copy.
    res = world.resolve("joblib==1.2.0", "scikit-learn")
    assert sources(res)["joblib"] == ("1.2.0", "native")


def test_a_name_guess_for_a_package_known_to_ship_something_else_is_rejected(
    tmp_path: Path, mapping_file: Path
) -> None:
    # PyPI 'attr' is not Debian's python3-attr (that one ships 'attrs'); the guess must not win.
    idx = LocalIndex(tmp_path / "idx")
    idx.add_wheel("attr", "0.3.2", tag=PLATFORM_TAG)
    idx.add_wheel("attrs", "23.1.0")
    idx.build()
    mapping_file.write_text(mapping_file.read_text() + 'attrs = ["python3-attr"]\n')
    w = World(idx, mapping_file, tmp_path)
    w.adapter.packages["python3-attr"] = FakePackage(
        "python3-attr", "22.2.0-1", [("attrs", "22.2.0")]
    )
    with pytest.raises(ResolutionConflictError) as err:
        w.resolve("attr")
    assert "the guess python3-attr ships attrs, not attr" in err.value.render()
    assert "attr" not in w.native.mapping.lookup_many(["attr"], exists=set)


def world_mapping(index: LocalIndex) -> Path:
    return write_mapping(index.root)


def test_unreadable_metadata_skips_the_candidate_not_the_run(
    world: World, index: LocalIndex
) -> None:
    broken = next(index.root.rglob("requests-2.32.3-py3-none-any.whl.metadata"))
    broken.write_text("garbage that does not match the recorded hash")
    res = world.resolve("requests")
    assert sources(res)["requests"] == ("2.31.0", "pypi")
    assert list(res.skipped) == ["requests 2.32.3 (pure wheel from PyPI)"]  # said, not silent
    for meta in index.root.rglob("*.whl.metadata"):
        if meta.name.startswith(("requests-", "urllib3-")):
            meta.write_text("garbage")
    # no PyPI release of requests is usable: the system's python3-requests stands in
    res = World(index, world_mapping(index), index.root).resolve("requests")
    assert sources(res)["requests"] == ("2.28.1", "native")
    assert sorted(res.skipped) == [
        "requests 2.31.0 (pure wheel from PyPI)",
        "requests 2.32.3 (pure wheel from PyPI)",
    ]
    # urllib3 has no system package: nothing is left, and the error says what was skipped
    with pytest.raises(ResolutionConflictError) as err:
        World(index, world_mapping(index), index.root).resolve("urllib3")
    text = err.value.render()
    assert text.startswith("No usable candidate was left") and "Skipped urllib3 1.26.20" in text


def test_upgrade_never_reinstalls_the_installed_version(
    index: LocalIndex, mapping_file: Path, tmp_path: Path
) -> None:
    env = make_env(installed("idna", "3.10"))
    w = World(index, mapping_file, tmp_path, env=env)
    assert sources(w.resolve("idna", upgrade=True))["idna"] == ("3.10", "installed")


def test_an_installed_system_package_still_pins_what_it_brought(
    index: LocalIndex, mapping_file: Path, tmp_path: Path
) -> None:
    # python3-sklearn is installed already (with joblib 1.2.0); a pure wheel must not shadow joblib.
    system = "/usr/lib/python3/dist-packages"
    env = make_env(
        *(
            installed(n, v, in_target=False, location=system)
            for n, v in [
                ("scikit-learn", "1.2.1"),
                ("numpy", "1.24.2"),
                ("scipy", "1.10.1"),
                ("joblib", "1.2.0"),
                ("threadpoolctl", "3.1.0"),
            ]
        )
    )
    w = World(index, mapping_file, tmp_path, env=env)
    for pkg in (
        "python3-sklearn",
        "python3-numpy",
        "python3-scipy",
        "python3-joblib",
        "python3-threadpoolctl",
        "libblas3",
    ):
        w.adapter.packages[pkg].installed = True
    assert sources(w.resolve("scikit-learn"))["scikit-learn"] == ("1.2.1", "installed")
    with pytest.raises(ResolutionConflictError) as err:
        w.resolve("scikit-learn", "needs-new-joblib")
    assert "joblib==1.2.0 from apt" in err.value.render()


def test_version_recorded_by_the_bundled_table_wins_over_the_package_version(
    index: LocalIndex, tmp_path: Path
) -> None:
    """Debian's python3-kiwisolver 1.4.4 ships kiwisolver-0.0.0.dist-info: pip will see 0.0.0."""
    from pip_native.mapping import MappingTable
    from pip_native.mapping.model import MappingLayer, MappingMatch

    layer = MappingLayer(
        source="bundled",
        origin="table",
        label="table",
        ecosystem="apt",
        matches={
            "numpy": MappingMatch(
                canonicalize_name("numpy"), "apt", ("python3-numpy",), "bundled", "table"
            )
        },
        shipped_by={"python3-numpy": (canonicalize_name("numpy"),)},
        versions={("python3-numpy", canonicalize_name("numpy")): "0.0.0"},
    )
    w = World(index, write_mapping(tmp_path), tmp_path)
    native = NativeSource(w.adapter, MappingTable("apt", [layer]))
    cand = native.candidate(canonicalize_name("numpy"))
    assert cand is not None and str(cand.version) == "0.0.0"


def test_a_pure_venv_copy_may_stand_in_for_a_system_pin(
    index: LocalIndex, mapping_file: Path, tmp_path: Path
) -> None:
    # pip-native's own dependencies live in the venv (packaging, ...): a pure copy there
    # shadows what apt brings without breaking compiled code.
    venv_joblib = replace(installed("joblib", "1.4.2"), pure=True)
    w = World(index, mapping_file, tmp_path, env=make_env(venv_joblib))
    res = w.resolve("scikit-learn")
    assert sources(res)["joblib"] == ("1.4.2", "installed")
    plan = build_plan(
        res, env=w.env, adapter=w.adapter, index=w.config, provided=w.native.provided_distributions
    )
    assert any("the venv's pure joblib 1.4.2 shadows it" in warning for warning in plan.warnings)


def test_a_venv_copy_with_native_code_conflicts_with_the_system_pin(
    index: LocalIndex, mapping_file: Path, tmp_path: Path
) -> None:
    venv_numpy = replace(installed("numpy", "2.1.0"), pure=False)
    w = World(index, mapping_file, tmp_path, env=make_env(venv_numpy))
    with pytest.raises(ResolutionConflictError) as err:
        w.resolve("scikit-learn")
    assert "-m pip uninstall numpy" in err.value.render()


def test_a_system_package_installed_into_the_env_itself_is_not_replaced_by_a_wheel(
    index: LocalIndex, mapping_file: Path, tmp_path: Path
) -> None:
    """conda links its packages into the env's own site-packages (INSTALLER says conda)."""
    conda_joblib = replace(installed("joblib", "1.2.0"), installer="conda")
    w = World(index, mapping_file, tmp_path, env=make_env(conda_joblib))
    w.adapter.packages["python3-joblib"].installed = True
    res = w.resolve("joblib", upgrade=True)
    assert res.candidates["joblib"].source is Source.INSTALLED  # PyPI's 1.4.2 is not offered
    assert res.candidates["joblib"].is_system_provided
    pip_joblib = replace(installed("joblib", "1.2.0"), installer="pip")
    w2 = World(index, mapping_file, tmp_path, env=make_env(pip_joblib))
    w2.adapter.packages["python3-joblib"].installed = True
    assert sources(w2.resolve("joblib", upgrade=True))["joblib"] == ("1.4.2", "pypi")


# -- pre-releases: pip's rule ---------------------------------------------------------


@pytest.fixture
def pre_world(tmp_path: Path, mapping_file: Path) -> World:
    idx = LocalIndex(tmp_path / "pre-index")
    idx.add_wheel("betalib", "1.0")
    idx.add_wheel("betalib", "2.0b1")
    idx.add_wheel("onlypre", "1.0a1")
    idx.add_wheel("needs-newer", "1.0", requires=["betalib>1.0"])
    idx.add_wheel("names-beta", "1.0", requires=["betalib>=2.0b1"])
    idx.add_wheel("plain", "1.0", requires=["betalib"])
    idx.build()
    return World(idx, mapping_file, tmp_path)


def resolve_pre(world: World, *reqs: str, pre: bool = False) -> dict[str, tuple[str, str]]:
    provider = world.provider()
    provider._pre = pre  # what --pre sets (SplitProvider(pre=True))
    wanted = [
        SpecRequirement.from_requirement(Requirement(r), USER, allow_prereleases=pre) for r in reqs
    ]
    return sources(resolve(wanted, provider))


def test_a_pre_release_is_not_chosen_while_a_final_release_fits(pre_world: World) -> None:
    assert resolve_pre(pre_world, "betalib")["betalib"] == ("1.0", "pypi")
    assert resolve_pre(pre_world, "plain")["betalib"] == ("1.0", "pypi")


def test_pre_releases_with_pre_or_a_specifier_naming_one(pre_world: World) -> None:
    assert resolve_pre(pre_world, "betalib", pre=True)["betalib"] == ("2.0b1", "pypi")
    assert resolve_pre(pre_world, "betalib>=2.0b1")["betalib"] == ("2.0b1", "pypi")
    assert resolve_pre(pre_world, "names-beta")["betalib"] == ("2.0b1", "pypi")


def test_a_pre_release_when_no_final_release_fits(pre_world: World) -> None:
    assert resolve_pre(pre_world, "onlypre")["onlypre"] == ("1.0a1", "pypi")
    assert resolve_pre(pre_world, "needs-newer")["betalib"] == ("2.0b1", "pypi")


# -- the native step's simulation, started before the plan is final ---------------------


@dataclass
class AheadAdapter(FakeAdapter):
    """The fake adapter, able to simulate ahead and to answer what is installed on its own
    (as AptAdapter does), recording both."""

    ahead: list[tuple[str, ...]] = field(default_factory=list)

    def simulate_ahead(self, names: Sequence[str]) -> None:
        self.ahead.append(tuple(names))
        self.calls.append(("simulate_ahead", tuple(names)))

    def finish_ahead(self) -> None:
        pass

    def installed(self, names: Collection[str]) -> Mapping[str, SystemPackage]:
        self.calls.append(("installed", tuple(names)))
        return {
            n: SystemPackage(self.name, n, p.version, p.version, "amd64")
            for n in names
            if (p := self.packages.get(n)) is not None and p.installed
        }


def ahead_world(world: World) -> AheadAdapter:
    adapter = AheadAdapter(packages=world.adapter.packages)
    world.native.adapter = adapter
    return adapter


def test_requested_native_projects_are_simulated_while_resolving(world: World) -> None:
    adapter = ahead_world(world)
    plan = build_plan(
        world.resolve("scikit-learn", "requests"),
        env=world.env,
        adapter=adapter,
        index=world.config,
    )
    # requests is pure: the guess is python3-sklearn, from the mapping alone, before any query
    assert adapter.ahead == [("python3-sklearn",)]
    assert adapter.calls[0] == ("simulate_ahead", ("python3-sklearn",))
    # ... and it is what the plan asks apt for, so the simulation started ahead serves it
    assert plan.native_step is not None
    assert plan.native_step.requested == adapter.ahead[0]


def test_without_requested_native_projects_the_first_one_met_is_the_guess(world: World) -> None:
    adapter = ahead_world(world)
    plan = build_plan(world.resolve("plotlib"), env=world.env, adapter=adapter, index=world.config)
    assert adapter.ahead == [("python3-numpy",)]  # plotlib needs numpy, which has no pure wheel
    first_query = next(i for i, c in enumerate(adapter.calls) if c[0] == "query")
    assert adapter.calls.index(("simulate_ahead", ("python3-numpy",))) < first_query
    assert plan.native_step is not None
    assert plan.native_step.requested == ("python3-numpy",)


def test_an_installed_system_copy_is_recognised_without_the_package_index(
    world: World, tmp_path: Path, mapping_file: Path
) -> None:
    """Who owns an installed copy is a question for the dpkg status: no query (which reads
    apt's whole index) before the resolver needs a closure, so the simulation ahead can
    start first. The answer is the package as installed."""
    adapter = ahead_world(world)
    adapter.packages["python3-idna"] = FakePackage("python3-idna", "3.10-1", [("idna", "3.10")])
    adapter.packages["python3-idna"].installed = True
    extra = tmp_path / "extra.toml"
    extra.write_text('[apt]\nidna = ["python3-idna"]\nrequests = false\n', encoding="utf-8")
    world.native.mapping = load_mapping(
        "apt",
        user_files=[mapping_file, extra],
        distro_id="none",
        distro_release="none",
        use_distro_data=False,
    )
    owner = world.native.installed_owner(canonicalize_name("idna"))
    assert owner == SystemPackage("apt", "python3-idna", "3.10-1", "3.10-1", "amd64")
    assert world.native.installed_owner(canonicalize_name("requests")) is None  # never apt's
    assert adapter.calls == [("installed", ("python3-idna",))]


def test_nothing_is_simulated_ahead_for_pure_requests(world: World) -> None:
    adapter = ahead_world(world)
    world.resolve("requests")
    assert adapter.ahead == []
