"""Tests for PEP 804 documents: real files, crafted bad files, specs_from, rendering, the URL cache."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import requests
from packaging.specifiers import SpecifierSet

from pip_native.errors import IndexFetchError, MappingFileError
from pip_native.external.pep804 import (
    load_ecosystem_mapping,
    load_known_ecosystems,
    load_mapping_document,
    load_registry,
    parse_known_ecosystems,
    parse_mapping_document,
    parse_registry,
)

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "external-metadata-mappings"
if not SHARED.is_dir():  # the workplace layout: /work/main beside /work/shared
    SHARED = Path("/work/shared/data/external-metadata-mappings")
needs_shared = pytest.mark.skipif(
    not SHARED.is_dir(),
    reason="the PEP 804 reference files (shared/data/external-metadata-mappings) are not here",
)

APT_MANAGER: dict[str, Any] = {
    "name": "apt-get",
    "commands": {
        "install": {"command": ["apt-get", "install", "--yes", "{}"], "requires_elevation": True},
        "query": {"command": ["dpkg-query", "-W", "{}"]},
    },
    "specifier_syntax": {"name_only": ["{name}"], "exact_version": None, "version_ranges": None},
}


def _doc(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "schema_version": 1,
        "name": "test",
        "mappings": [
            {
                "id": "dep:generic/zlib",
                "specs": {"build": [], "host": ["zlib1g-dev"], "run": "zlib1g"},
            },
            {"id": "dep:generic/arrow", "specs": []},
            {"id": "dep:virtual/interface/blas", "specs_from": "dep:generic/openblas"},
            {"id": "dep:generic/openblas", "specs": ["libopenblas-dev"]},
        ],
        "package_managers": [copy.deepcopy(APT_MANAGER)],
    }
    doc.update(changes)
    return doc


# --------------------------------------------------------------------------- real files


@needs_shared
@pytest.mark.parametrize(
    "name", sorted(p.name for p in SHARED.glob("*.mapping.json")) if SHARED.is_dir() else []
)
def test_real_mapping_files_load(name: str) -> None:
    doc = load_mapping_document(SHARED / name)
    assert doc.origin == str(SHARED / name)
    assert len(doc.entries) > 40
    for entry in doc.entries:
        final, _ = doc.resolve(entry)
        assert final.specs is not None


@needs_shared
def test_real_files_details() -> None:
    ubuntu = load_mapping_document(SHARED / "ubuntu.mapping.json")
    assert ubuntu.ecosystems == ("apt",)
    assert [m.name for m in ubuntu.package_managers] == ["apt", "apt-get"]
    jpeg = ubuntu.by_key()["dep:generic/libjpeg"]
    assert len(jpeg) == 3 and jpeg[0].specs is not None and jpeg[0].specs.run == ("libjpeg-turbo8",)
    arrow = ubuntu.by_key()["dep:generic/arrow"][0]
    assert arrow.specs is not None and arrow.specs.unavailable
    pypi = load_mapping_document(SHARED / "pypi.mapping.json")
    blas = pypi.by_key()["dep:virtual/interface/blas"][0]
    final, via = pypi.resolve(blas)
    assert via == ("dep:generic/openblas",) and final.id == "dep:generic/openblas"
    conda = load_mapping_document(SHARED / "conda-forge.mapping.json")
    assert conda.ecosystems == ("conda",)
    registry = load_registry(SHARED / "registry.json")
    assert registry.provides("dep:github/OpenMathLib/OpenBLAS") == (
        "dep:generic/openblas",
        "dep:virtual/interface/blas",
    )
    assert registry.is_canonical("dep:generic/openblas")  # provides only a virtual
    assert not registry.is_canonical("dep:github/apache/arrow")
    known = load_known_ecosystems(SHARED / "known-ecosystems.json")
    assert known.mapping_url("ubuntu+24.04") == known.ecosystems["ubuntu"]
    assert known.mapping_url("nonesuch") is None


@needs_shared
def test_validator_knows_the_schema_fields() -> None:
    """The hand-written validator allows and requires exactly what the real JSON schemas say."""
    schema = json.loads((SHARED / "external-mapping.schema.json").read_text())
    defs = schema["$defs"]
    doc = _doc()
    # every property the schema allows is accepted...
    entry_fields = set(defs["MappingWithSpecs"]["properties"]) | set(
        defs["MappingWithSpecsFrom"]["properties"]
    )
    assert entry_fields == {"id", "description", "specs", "specs_from", "urls", "extra_metadata"}
    assert set(schema["properties"]) == {
        "$schema",
        "schema_version",
        "name",
        "description",
        "mappings",
        "package_managers",
    }
    # ...and each required one is enforced.
    for field in schema["required"]:
        broken = _doc()
        del broken[field]
        with pytest.raises(MappingFileError, match=f"the required field '{field}' is missing"):
            parse_mapping_document(broken, "m.json")
    for field in defs["PackageManager"]["required"]:
        broken = _doc()
        del broken["package_managers"][0][field]
        with pytest.raises(MappingFileError, match=f"'{field}' is missing"):
            parse_mapping_document(broken, "m.json")
    for field in defs["SpecifierSyntax"]["required"]:
        broken = _doc()
        del broken["package_managers"][0]["specifier_syntax"][field]
        with pytest.raises(MappingFileError, match=f"'{field}' is missing"):
            parse_mapping_document(broken, "m.json")
    for key, spec in (
        ("central-registry", parse_registry),
        ("known-ecosystems", parse_known_ecosystems),
    ):
        s = json.loads((SHARED / f"{key}.schema.json").read_text())
        for field in s["required"]:
            with pytest.raises(MappingFileError, match=f"'{field}' is missing"):
                spec({"schema_version": 1}, "x.json")
    assert parse_mapping_document(doc, "m.json").name == "test"


# --------------------------------------------------------------------------- crafted errors


def _bad(doc: Any, match: str) -> MappingFileError:
    with pytest.raises(MappingFileError, match=match) as info:
        parse_mapping_document(doc, "bad.mapping.json")
    assert info.value.hint
    return info.value


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (
            lambda d: d.update(schema_version=2),
            r"bad\.mapping\.json: top level: field 'schema_version' is 2",
        ),
        (
            lambda d: d.update(schema_version=True),
            r"field 'schema_version' is true, not an integer",
        ),
        (lambda d: d.update(extra=1), r"top level: unknown field 'extra'"),
        (
            lambda d: d["mappings"][0].update(id="zlib"),
            r"mappings\[0\] \(id 'zlib'\): field 'id' is 'zlib', which does not start with 'dep:'",
        ),
        (
            lambda d: d["mappings"][0].update(id="dep:virtual/nope/c"),
            r"mappings\[0\] .*field 'id': .*namespaces compiler, interface",
        ),
        (
            lambda d: d["mappings"][0].update(specs=7),
            r"mappings\[0\] \(id 'dep:generic/zlib'\): field 'specs' is 7",
        ),
        (
            lambda d: d["mappings"][0].update(specs={"build": [], "host": []}),
            r"mappings\[0\] \(id 'dep:generic/zlib'\): field 'specs': the required field 'run' is missing",
        ),
        (
            lambda d: d["mappings"][0].update(
                specs={"build": [], "host": [], "run": [], "test": []}
            ),
            r"field 'specs': unknown field 'test'",
        ),
        (
            lambda d: d["mappings"][0].update(specs=["ok", ""]),
            r"mappings\[0\] .*field 'specs' item 1 is \"\"",
        ),
        (
            lambda d: d["mappings"][0].update(specs_from="dep:generic/openblas"),
            r"mappings\[0\] .*it has both 'specs' and 'specs_from'",
        ),
        (
            lambda d: d["mappings"][1].pop("specs"),
            r"mappings\[1\] \(id 'dep:generic/arrow'\): it has neither",
        ),
        (
            lambda d: d["mappings"][0].update(urls={"x": "not a url"}),
            r"mappings\[0\] .*field 'urls' has \"not a url\"",
        ),
        (lambda d: d["mappings"][0].update(extra_metadata=[1]), r"field 'extra_metadata' is \[1\]"),
        (
            lambda d: d["mappings"][2].update(specs_from="dep:generic/nothere"),
            r"mappings\[2\] \(id 'dep:virtual/interface/blas'\): field 'specs_from' names 'dep:generic/nothere', which no entry",
        ),
        (
            lambda d: d["package_managers"][0]["commands"]["install"].update(
                command=["apt-get", "install"]
            ),
            r"package_managers\[0\] \(name 'apt-get'\): field 'commands'\.install: field 'command' .* has 0 '\{\}' placeholders",
        ),
        (
            lambda d: d["package_managers"][0]["commands"]["install"].update(
                multiple_specifiers="some"
            ),
            r"field 'multiple_specifiers' is \"some\"",
        ),
        (
            lambda d: d["package_managers"][0]["commands"]["install"].update(
                requires_elevation="yes"
            ),
            r"field 'requires_elevation' is \"yes\"",
        ),
        (
            lambda d: d["package_managers"][0]["specifier_syntax"].update(name_only=["pkg"]),
            r"field 'specifier_syntax': field 'name_only' has no '\{name\}'",
        ),
        (
            lambda d: d["package_managers"][0]["specifier_syntax"].update(exact_version=["{name}"]),
            r"field 'exact_version' must contain both",
        ),
        (
            lambda d: d["package_managers"][0]["specifier_syntax"].update(
                version_ranges={"syntax": ["{name}"]}
            ),
            r"version_ranges: field 'syntax' has no '\{ranges\}'",
        ),
        (
            lambda d: d["package_managers"].append(copy.deepcopy(APT_MANAGER)),
            r"package_managers\[1\] \(name 'apt-get'\): the name 'apt-get' is used twice",
        ),
    ],
)
def test_crafted_bad_mapping_files(mutate: Any, match: str) -> None:
    doc = _doc()
    mutate(doc)
    _bad(doc, match)


def test_version_ranges_template_needs_version() -> None:
    doc = _doc()
    doc["package_managers"][0]["specifier_syntax"]["version_ranges"] = {
        "syntax": ["{name}{ranges}"],
        "and": ",",
        "equal": "={version}",
        "greater_than": ">",
        "greater_than_equal": ">={version}",
        "less_than": None,
        "less_than_equal": None,
    }
    _bad(doc, r"field 'greater_than' \('>'\) has no '\{version\}' placeholder")


def test_specs_from_cycle_is_named() -> None:
    doc = _doc(
        mappings=[
            {"id": "dep:generic/a", "specs_from": "dep:generic/b"},
            {"id": "dep:generic/b", "specs_from": "dep:generic/c"},
            {"id": "dep:generic/c", "specs_from": "dep:generic/a"},
        ]
    )
    error = _bad(doc, r"mappings\[0\] \(id 'dep:generic/a'\): field 'specs_from' forms a cycle")
    assert "dep:generic/a -> dep:generic/b -> dep:generic/c -> dep:generic/a" in error.message
    _bad(
        _doc(mappings=[{"id": "dep:generic/a", "specs_from": "dep:generic/A"}]),
        r"forms a cycle: dep:generic/a -> dep:generic/a",
    )


def test_specs_from_chain_resolves() -> None:
    doc = parse_mapping_document(
        _doc(
            mappings=[
                {"id": "dep:generic/a", "specs_from": "dep:generic/b"},
                {"id": "dep:generic/b", "specs_from": "dep:generic/c"},
                {"id": "dep:generic/c", "specs": "libc-thing"},
            ]
        ),
        "m.json",
    )
    final, via = doc.resolve(doc.entries[0])
    assert final.id == "dep:generic/c" and via == ("dep:generic/b", "dep:generic/c")


def test_registry_errors() -> None:
    good = {
        "definitions": [
            {"id": "dep:generic/a"},
            {"id": "dep:github/x/a", "provides": "dep:generic/a"},
        ]
    }
    assert parse_registry(good, "r.json").provides("dep:github/x/a") == ("dep:generic/a",)
    with pytest.raises(
        MappingFileError,
        match=r"registry r\.json: definitions\[1\] \(id 'dep:generic/A'\): the id is defined again",
    ):
        parse_registry(
            {"definitions": [{"id": "dep:generic/a"}, {"id": "dep:generic/A"}]}, "r.json"
        )
    with pytest.raises(
        MappingFileError,
        match=r"definitions\[0\] \(id 'dep:virtual/compiler/c'\): field 'provides' is set on a dep:virtual/",
    ):
        parse_registry(
            {"definitions": [{"id": "dep:virtual/compiler/c", "provides": "dep:generic/gcc"}]},
            "r.json",
        )
    with pytest.raises(
        MappingFileError,
        match=r"definitions\[0\] .*'provides' names 'dep:generic/b', which the registry does not define",
    ):
        parse_registry(
            {"definitions": [{"id": "dep:generic/a", "provides": ["dep:generic/b"]}]}, "r.json"
        )
    with pytest.raises(
        MappingFileError, match=r"definitions\[0\] \(id 'dep:generic/a'\): unknown field 'name'"
    ):
        parse_registry({"definitions": [{"id": "dep:generic/a", "name": "a"}]}, "r.json")


def test_known_ecosystems_errors() -> None:
    with pytest.raises(
        MappingFileError, match=r"ecosystems\['Debian'\]: the identifier does not match"
    ):
        parse_known_ecosystems(
            {"ecosystems": {"Debian": {"mapping": "https://x/y.json"}}}, "k.json"
        )
    with pytest.raises(
        MappingFileError,
        match=r"ecosystems\['debian\+12'\]: field 'mapping' is 'y.json', not an absolute URL",
    ):
        parse_known_ecosystems({"ecosystems": {"debian+12": {"mapping": "y.json"}}}, "k.json")


def test_invalid_json_file(tmp_path: Path) -> None:
    path = tmp_path / "x.mapping.json"
    path.write_text("{")
    with pytest.raises(MappingFileError, match=rf"PEP 804 mapping file {path} is not valid JSON"):
        load_mapping_document(path)


# --------------------------------------------------------------------------- rendering


def _manager(syntax: dict[str, Any], mode: str = "always") -> Any:
    doc = _doc()
    pm = doc["package_managers"][0]
    pm["name"] = "tool"
    pm["specifier_syntax"] = syntax
    pm["commands"]["install"]["multiple_specifiers"] = mode
    return parse_mapping_document(doc, "m.json").package_managers[0]


CONDA = {
    "name_only": ["{name}"],
    "exact_version": ["{name}=={version}"],
    "version_ranges": {
        "syntax": ["{name}{ranges}"],
        "and": ",",
        "equal": "={version}",
        "greater_than": ">{version}",
        "greater_than_equal": ">={version}",
        "less_than": "<{version}",
        "less_than_equal": "<={version}",
    },
}
GENTOO = {
    "name_only": ["{name}"],
    "exact_version": ["={name}-{version}"],
    "version_ranges": {
        "syntax": ["{ranges}"],
        "and": None,
        "equal": "={name}-{version}*",
        "greater_than": ">{name}-{version}",
        "greater_than_equal": ">={name}-{version}",
        "less_than": "<{name}-{version}",
        "less_than_equal": "<={name}-{version}",
    },
}
SPACK = {
    "name_only": ["{name}"],
    "exact_version": ["{name}@={version}"],
    "version_ranges": {
        "syntax": ["{ranges}"],
        "and": None,
        "equal": "{name}@{version}",
        "greater_than": None,
        "greater_than_equal": "{name}@{version}:",
        "less_than": None,
        "less_than_equal": "{name}@:{version}",
    },
}


def test_render_name_exact_and_ranges() -> None:
    conda = _manager(CONDA)
    assert conda.render("openssl").tokens == ("openssl",)
    assert conda.render("openssl", SpecifierSet("==3.0")).tokens == ("openssl==3.0",)
    spec = conda.render("openssl", SpecifierSet(">=3,<4"))
    assert spec.tokens == ("openssl>=3,<4",) and spec.versioned and spec.lost is None
    assert conda.render("x", SpecifierSet("~=1.4.5")).tokens == ("x>=1.4.5,<1.5",)
    gentoo = _manager(GENTOO)
    assert gentoo.render("dev-libs/openssl", SpecifierSet(">=3,<4")).tokens == (
        ">=dev-libs/openssl-3",
        "<dev-libs/openssl-4",
    )
    spack = _manager(SPACK)
    assert spack.render("openssl", SpecifierSet(">=3")).tokens == ("openssl@3:",)
    lost = spack.render("openssl", SpecifierSet(">3"))  # no greater_than: name only
    assert lost.tokens == ("openssl",) and lost.lost == ">3" and not lost.versioned
    apt = _manager(APT_MANAGER["specifier_syntax"])
    assert apt.render("libssl-dev", SpecifierSet(">=3")).lost == ">=3"
    assert conda.render("x", SpecifierSet("!=2")).lost == "!=2"


def test_install_commands_follow_multiple_specifiers() -> None:
    specs = [
        _manager(CONDA).render("a"),
        _manager(CONDA).render("b", SpecifierSet(">=1")),
        _manager(CONDA).render("c"),
    ]
    always = _manager(CONDA, "always")
    assert always.install_commands(specs) == [("apt-get", "install", "--yes", "a", "b>=1", "c")]
    name_only = _manager(CONDA, "name-only")
    assert name_only.install_commands(specs) == [
        ("apt-get", "install", "--yes", "a", "c"),
        ("apt-get", "install", "--yes", "b>=1"),
    ]
    never = _manager(CONDA, "never")
    assert len(never.install_commands(specs)) == 3
    assert always.query_command(specs[0]) == ("dpkg-query", "-W", "a")
    assert always.install_commands([]) == []


# --------------------------------------------------------------------------- the URL cache


class _Response:
    def __init__(self, status: int, body: bytes) -> None:
        self.status_code = status
        self.content = body


class _Session:
    def __init__(self, body: bytes | None = None, status: int = 200) -> None:
        self.body, self.status, self.calls = body, status, 0

    def get(self, url: str, **kwargs: Any) -> _Response:
        self.calls += 1
        if self.body is None:
            raise requests.ConnectionError("no network")
        return _Response(self.status, self.body)


URL = "https://example.invalid/data/test.mapping.json"


def test_url_is_cached_and_works_offline(tmp_path: Path) -> None:
    body = json.dumps(_doc()).encode()
    online = _Session(body)
    doc = load_mapping_document(URL, session=online, cache_dir=tmp_path)  # type: ignore[arg-type]
    assert doc.origin == URL and online.calls == 1 and doc.note is None
    cached = list(tmp_path.iterdir())
    assert any(p.name.endswith("-test.mapping.json") for p in cached)
    # fresh cache: no network at all
    again = _Session(None)
    assert load_mapping_document(URL, session=again, cache_dir=tmp_path).name == "test"  # type: ignore[arg-type]
    assert again.calls == 0
    # refresh with the network down: the cached copy, and a note saying so
    down = _Session(None)
    stale = load_mapping_document(URL, session=down, cache_dir=tmp_path, refresh=True)  # type: ignore[arg-type]
    assert down.calls == 1 and stale.note is not None
    assert stale.note.startswith("could not refresh (ConnectionError: no network)")
    # explicitly offline
    offline = load_mapping_document(URL, offline=True, cache_dir=tmp_path)
    assert offline.note is not None and offline.note.startswith("offline: cached copy from")


def test_failed_fetch_without_cache_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(
        IndexFetchError,
        match=rf"Cannot fetch the PEP 804 mapping file {URL}: ConnectionError: no network; and there is no cached copy",
    ) as info:
        load_mapping_document(URL, session=_Session(None), cache_dir=tmp_path)  # type: ignore[arg-type]
    assert "pass its path instead of the URL" in (info.value.hint or "")
    with pytest.raises(IndexFetchError, match="HTTP 404"):
        load_mapping_document(URL, session=_Session(b"", status=404), cache_dir=tmp_path)  # type: ignore[arg-type]
    with pytest.raises(IndexFetchError, match="pip-native is offline, and there is no cached copy"):
        load_mapping_document(URL, offline=True, cache_dir=tmp_path)


def test_invalid_download_is_not_cached(tmp_path: Path) -> None:
    bad = json.dumps(_doc(name="")).encode()
    with pytest.raises(
        MappingFileError, match=rf"PEP 804 mapping file {URL}: top level: field 'name'"
    ):
        load_mapping_document(URL, session=_Session(bad), cache_dir=tmp_path)  # type: ignore[arg-type]
    assert not tmp_path.exists() or not any(tmp_path.iterdir())


def test_ecosystem_mapping_through_known_ecosystems(tmp_path: Path) -> None:
    known = parse_known_ecosystems(
        {"ecosystems": {"debian": {"mapping": URL}, "fedora": {"mapping": URL + "?f"}}}, "k.json"
    )
    session = _Session(json.dumps(_doc()).encode())
    doc = load_ecosystem_mapping("debian+12", known, session=session, cache_dir=tmp_path)  # type: ignore[arg-type]
    assert doc.origin == URL and session.calls == 1
    with pytest.raises(
        MappingFileError, match=r"has no mapping for 'arch\+1' nor 'arch'; it lists debian, fedora"
    ):
        load_ecosystem_mapping("arch+1", known, cache_dir=tmp_path)
