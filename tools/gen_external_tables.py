"""Writes pip-native's bundled external-dependency tables (PEP 804 mapping files) from the data below.

Usage (from the repository root)::

    python tools/gen_external_tables.py             # write src/pip_native/data/external-*.mapping.json
    python tools/gen_external_tables.py --verify-apt # also check every apt name with apt-cache policy
                                                     # (on Debian 12) and record Debian epochs
    python tools/gen_external_tables.py --check      # exit 1 if the files differ from the data

Each generated file is a valid PEP 804 mapping document (schema version 1), so
other PEP 804 tools can read it too. Evidence per ecosystem is written into each
entry (``urls`` and ``extra_metadata.verified``):

- apt: names and Debian epochs checked with ``apt-cache policy`` on Debian 12
  (bookworm) by ``--verify-apt``; links to packages.debian.org.
- dnf: Fedora package names as listed on packages.fedoraproject.org (cited, not
  checked on a live Fedora system); where the PEP 804 reference data
  (external-metadata-mappings, fedora.mapping.json) has the entry, it agrees.
- conda: conda-forge package names as published on anaconda.org/conda-forge
  (cited, not checked with a live solver).
- brew: Homebrew formula names (homebrew-core ``Formula/<x>/<name>.rb``, shown on
  formulae.brew.sh; cited, not checked with a live brew).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any, Union

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from pip_native.subproc import run  # noqa: E402

DATA = ROOT / "src" / "pip_native" / "data"
SCHEMA_URL = (
    "https://raw.githubusercontent.com/jaimergp/external-metadata-mappings/main/schemas/"
    "external-mapping.schema.json"
)

# A value: "pkg" or ["a", "b"] (same packages for build, host and run);
# {"build": ..., "host": ..., "run": ...} (missing categories are empty);
# ("unavailable", "why") for PEP 804's empty specs; ("from", "dep:...") for specs_from.
Value = Union[str, list[str], dict[str, Any], tuple[str, str]]


def lib(dev: str, runtime: str, build: list[str] | None = None) -> dict[str, Any]:
    """A library split into -dev(el) headers (build, host) and a runtime package (run).

    The headers are in ``build`` too: a tool that does not cross-compile cannot tell a
    library listed under build-requires from one under host-requires (PEP 725 lets it
    merge the two), and the -dev package is what such a build needs.
    """
    return {"build": [dev, *(build or [])], "host": [dev], "run": [runtime]}


NO_BREW_CC = (
    "unavailable",
    "On macOS the C and C++ compilers come with Apple's Command Line Tools "
    "(xcode-select --install), not from Homebrew.",
)

#: identifier -> (description, {ecosystem: value})
ENTRIES: dict[str, tuple[str, dict[str, Value]]] = {
    "dep:virtual/compiler/c": (
        "C compiler",
        {"apt": "gcc", "dnf": "gcc", "conda": "c-compiler", "brew": NO_BREW_CC},
    ),
    "dep:virtual/compiler/cxx": (
        "C++ compiler",
        {"apt": "g++", "dnf": "gcc-c++", "conda": "cxx-compiler", "brew": NO_BREW_CC},
    ),
    "dep:virtual/compiler/cpp": (
        "Not canonical (the central registry uses cxx; PEP 725's SciPy example writes cpp): "
        "an alias of dep:virtual/compiler/cxx",
        dict.fromkeys(("apt", "dnf", "conda", "brew"), ("from", "dep:virtual/compiler/cxx")),
    ),
    "dep:virtual/compiler/fortran": (
        "Fortran compiler",
        {"apt": "gfortran", "dnf": "gcc-gfortran", "conda": "fortran-compiler", "brew": "gcc"},
    ),
    "dep:virtual/compiler/rust": (
        "Rust compiler and cargo",
        {"apt": ["rustc", "cargo"], "dnf": ["rust", "cargo"], "conda": "rust", "brew": "rust"},
    ),
    "dep:virtual/compiler/go": (
        "Go compiler",
        {"apt": "golang-go", "dnf": "golang", "conda": "go", "brew": "go"},
    ),
    "dep:virtual/interface/blas": (
        "BLAS interface (Debian: the reference libblas3, replaceable through alternatives; "
        "Fedora: FlexiBLAS, its standard BLAS)",
        {
            "apt": lib("libblas-dev", "libblas3"),
            "dnf": lib("flexiblas-devel", "flexiblas"),
            "conda": {"build": ["libblas"], "host": ["libblas"], "run": ["libblas"]},
            "brew": "openblas",
        },
    ),
    "dep:virtual/interface/lapack": (
        "LAPACK interface",
        {
            "apt": lib("liblapack-dev", "liblapack3"),
            "dnf": lib("flexiblas-devel", "flexiblas"),
            "conda": {"build": ["liblapack"], "host": ["liblapack"], "run": ["liblapack"]},
            "brew": "openblas",
        },
    ),
    "dep:virtual/interface/mpi": (
        "MPI (Open MPI; Debian's default MPI)",
        {
            "apt": {
                "build": ["mpi-default-bin", "mpi-default-dev"],
                "host": ["mpi-default-dev"],
                "run": ["mpi-default-bin"],
            },
            "dnf": lib("openmpi-devel", "openmpi"),
            "conda": "openmpi",
            "brew": "open-mpi",
        },
    ),
    "dep:generic/openblas": (
        "OpenBLAS",
        {
            "apt": lib("libopenblas-dev", "libopenblas0"),
            "dnf": lib("openblas-devel", "openblas"),
            "conda": {"build": ["openblas"], "host": ["openblas"], "run": ["libopenblas"]},
            "brew": "openblas",
        },
    ),
    "dep:github/OpenMathLib/OpenBLAS": (
        "OpenBLAS by its repository (registry alias of dep:generic/openblas)",
        dict.fromkeys(("apt", "dnf", "conda", "brew"), ("from", "dep:generic/openblas")),
    ),
    "dep:generic/openssl": (
        "OpenSSL",
        {
            "apt": {"build": ["libssl-dev", "openssl"], "host": ["libssl-dev"], "run": ["libssl3"]},
            "dnf": {
                "build": ["openssl-devel", "openssl"],
                "host": ["openssl-devel"],
                "run": ["openssl-libs"],
            },
            "conda": "openssl",
            "brew": "openssl@3",
        },
    ),
    "dep:generic/libffi": (
        "libffi",
        {
            "apt": lib("libffi-dev", "libffi8"),
            "dnf": lib("libffi-devel", "libffi"),
            "conda": "libffi",
            "brew": "libffi",
        },
    ),
    "dep:generic/zlib": (
        "zlib (Fedora 40+: zlib-ng in compatibility mode)",
        {
            "apt": lib("zlib1g-dev", "zlib1g"),
            "dnf": lib("zlib-ng-compat-devel", "zlib-ng-compat"),
            "conda": {"build": ["zlib"], "host": ["zlib"], "run": ["libzlib"]},
            "brew": "zlib",
        },
    ),
    "dep:generic/hdf5": (
        "HDF5 (serial)",
        {
            "apt": lib("libhdf5-dev", "libhdf5-103-1"),
            "dnf": lib("hdf5-devel", "hdf5"),
            "conda": "hdf5",
            "brew": "hdf5",
        },
    ),
    "dep:generic/gdal": (
        "GDAL",
        {
            "apt": lib("libgdal-dev", "libgdal32", build=["gdal-bin"]),
            "dnf": lib("gdal-devel", "gdal-libs", build=["gdal"]),
            "conda": "libgdal",
            "brew": "gdal",
        },
    ),
    "dep:generic/libxml2": (
        "libxml2",
        {
            "apt": lib("libxml2-dev", "libxml2"),
            "dnf": lib("libxml2-devel", "libxml2"),
            "conda": "libxml2",
            "brew": "libxml2",
        },
    ),
    "dep:generic/libxslt": (
        "libxslt",
        {
            "apt": lib("libxslt1-dev", "libxslt1.1"),
            "dnf": lib("libxslt-devel", "libxslt"),
            "conda": "libxslt",
            "brew": "libxslt",
        },
    ),
    "dep:generic/libjpeg": (
        "libjpeg (libjpeg-turbo)",
        {
            "apt": lib("libjpeg-dev", "libjpeg62-turbo"),
            "dnf": lib("libjpeg-turbo-devel", "libjpeg-turbo"),
            "conda": "libjpeg-turbo",
            "brew": "jpeg-turbo",
        },
    ),
    "dep:generic/libpng": (
        "libpng",
        {
            "apt": lib("libpng-dev", "libpng16-16"),
            "dnf": lib("libpng-devel", "libpng"),
            "conda": "libpng",
            "brew": "libpng",
        },
    ),
    "dep:generic/freetype": (
        "FreeType",
        {
            "apt": lib("libfreetype-dev", "libfreetype6"),
            "dnf": lib("freetype-devel", "freetype"),
            "conda": "freetype",
            "brew": "freetype",
        },
    ),
    "dep:generic/sqlite": (
        "SQLite",
        {
            "apt": lib("libsqlite3-dev", "libsqlite3-0", build=["sqlite3"]),
            "dnf": lib("sqlite-devel", "sqlite-libs", build=["sqlite"]),
            "conda": {
                "build": ["sqlite", "libsqlite"],
                "host": ["libsqlite"],
                "run": ["libsqlite"],
            },
            "brew": "sqlite",
        },
    ),
    "dep:generic/curl": (
        "curl and libcurl (build: the curl tool; host/run: the library)",
        {
            "apt": lib("libcurl4-openssl-dev", "libcurl4", build=["curl"]),
            "dnf": lib("libcurl-devel", "libcurl", build=["curl"]),
            "conda": {"build": ["curl", "libcurl"], "host": ["libcurl"], "run": ["libcurl"]},
            "brew": "curl",
        },
    ),
    "dep:generic/pkg-config": (
        "pkg-config (pkgconf)",
        {"apt": "pkgconf", "dnf": "pkgconf-pkg-config", "conda": "pkg-config", "brew": "pkgconf"},
    ),
    "dep:generic/cmake": (
        "CMake",
        {"apt": "cmake", "dnf": "cmake", "conda": "cmake", "brew": "cmake"},
    ),
    "dep:github/Kitware/CMake": (
        "CMake by its repository (registry alias of dep:generic/cmake)",
        dict.fromkeys(("apt", "dnf", "conda", "brew"), ("from", "dep:generic/cmake")),
    ),
    "dep:generic/ninja": (
        "Ninja",
        {"apt": "ninja-build", "dnf": "ninja-build", "conda": "ninja", "brew": "ninja"},
    ),
    "dep:generic/make": (
        "GNU Make",
        {"apt": "make", "dnf": "make", "conda": "make", "brew": "make"},
    ),
    "dep:generic/git": (
        "Git",
        {"apt": "git", "dnf": "git", "conda": "git", "brew": "git"},
    ),
    "dep:generic/python": (
        "The Python interpreter; host: its headers (PEP 725 implies them when a compiler is needed)",
        {
            "apt": {"build": ["python3-dev"], "host": ["python3-dev"], "run": ["python3"]},
            "dnf": {"build": ["python3-devel"], "host": ["python3-devel"], "run": ["python3"]},
            "conda": "python",
            "brew": "python",
        },
    ),
    "dep:generic/lcms2": (
        "Little CMS 2",
        {
            "apt": lib("liblcms2-dev", "liblcms2-2"),
            "dnf": lib("lcms2-devel", "lcms2"),
            "conda": "lcms2",
            "brew": "little-cms2",
        },
    ),
    "dep:generic/libtiff": (
        "LibTIFF",
        {
            "apt": lib("libtiff-dev", "libtiff6"),
            "dnf": lib("libtiff-devel", "libtiff"),
            "conda": "libtiff",
            "brew": "libtiff",
        },
    ),
    "dep:generic/libwebp": (
        "libwebp",
        {
            "apt": lib("libwebp-dev", "libwebp7"),
            "dnf": lib("libwebp-devel", "libwebp"),
            "conda": {"build": ["libwebp-base"], "host": ["libwebp-base"], "run": ["libwebp-base"]},
            "brew": "webp",
        },
    ),
    "dep:generic/openjpeg": (
        "OpenJPEG (JPEG 2000)",
        {
            "apt": lib("libopenjp2-7-dev", "libopenjp2-7"),
            "dnf": lib("openjpeg2-devel", "openjpeg2"),
            "conda": "openjpeg",
            "brew": "openjpeg",
        },
    ),
    "dep:generic/tk": (
        "Tk",
        {
            "apt": lib("tk-dev", "tk"),
            "dnf": lib("tk-devel", "tk"),
            "conda": "tk",
            "brew": "tcl-tk",
        },
    ),
    "dep:generic/gmp": (
        "GNU MP",
        {
            "apt": lib("libgmp-dev", "libgmp10"),
            "dnf": lib("gmp-devel", "gmp"),
            "conda": "gmp",
            "brew": "gmp",
        },
    ),
    "dep:generic/libpq": (
        "libpq (PostgreSQL client library)",
        {
            "apt": lib("libpq-dev", "libpq5"),
            "dnf": lib("libpq-devel", "libpq"),
            "conda": "libpq",
            "brew": "libpq",
        },
    ),
    "dep:generic/libsodium": (
        "libsodium",
        {
            "apt": lib("libsodium-dev", "libsodium23"),
            "dnf": lib("libsodium-devel", "libsodium"),
            "conda": "libsodium",
            "brew": "libsodium",
        },
    ),
    "dep:generic/libyaml": (
        "LibYAML",
        {
            "apt": lib("libyaml-dev", "libyaml-0-2"),
            "dnf": lib("libyaml-devel", "libyaml"),
            "conda": "yaml",
            "brew": "libyaml",
        },
    ),
    "dep:generic/libimagequant": (
        "libimagequant",
        {
            "apt": lib("libimagequant-dev", "libimagequant0"),
            "dnf": lib("libimagequant-devel", "libimagequant"),
            "conda": "libimagequant",
            "brew": "libimagequant",
        },
    ),
    "dep:generic/libraqm": (
        "libraqm",
        {
            "apt": lib("libraqm-dev", "libraqm0"),
            "dnf": lib("libraqm-devel", "libraqm"),
            "brew": "libraqm",
        },
    ),
    "dep:generic/libxcb": (
        "libxcb",
        {
            "apt": lib("libxcb1-dev", "libxcb1"),
            "dnf": lib("libxcb-devel", "libxcb"),
            "conda": "libxcb",
            "brew": "libxcb",
        },
    ),
    "dep:generic/llvm": (
        "LLVM",
        {
            "apt": {"build": ["llvm", "llvm-dev"], "host": ["llvm-dev"], "run": ["libllvm14"]},
            "dnf": {"build": ["llvm", "llvm-devel"], "host": ["llvm-devel"], "run": ["llvm-libs"]},
            "brew": "llvm",
        },
    ),
    "dep:generic/clang": (
        "Clang",
        {
            "apt": {
                "build": ["clang", "libclang-dev"],
                "host": ["libclang-dev"],
                "run": ["libclang1-14"],
            },
            "dnf": {
                "build": ["clang", "clang-devel"],
                "host": ["clang-devel"],
                "run": ["clang-libs"],
            },
            "conda": {"build": ["clang", "clangdev"], "host": ["clangdev"], "run": ["clangdev"]},
        },
    ),
    "dep:generic/arrow": (
        "Apache Arrow C++ libraries",
        {
            "apt": ("unavailable", "Debian 12 does not package Apache Arrow (no libarrow-dev)."),
            "conda": "libarrow-all",
            "brew": "apache-arrow",
        },
    ),
}

ECOSYSTEMS: dict[str, dict[str, Any]] = {
    "apt": {
        "file": "external-debian+12.mapping.json",
        "name": "Debian 12 (bookworm)",
        "description": (
            "pip-native's bundled mapping of PEP 725 identifiers to Debian 12 (bookworm) "
            "packages (main). Every name was checked with 'apt-cache policy' on Debian 12 by "
            "tools/gen_external_tables.py --verify-apt, which also records Debian epochs "
            "(extra_metadata.debian_epochs) so that version relations compare correctly. "
            "build: tools run on the build machine; host: headers and libraries to build "
            "against (-dev); run: the runtime library."
        ),
        "url": "https://packages.debian.org/bookworm/{}",
        "verified": "apt-cache policy on Debian 12 (bookworm)",
        "managers": [
            {
                "name": "apt-get",
                "commands": {
                    "install": {
                        "command": ["apt-get", "install", "--yes", "{}"],
                        "requires_elevation": True,
                    },
                    "query": {"command": ["dpkg-query", "--show", "{}"]},
                },
                "specifier_syntax": {
                    "name_only": ["{name}"],
                    "exact_version": None,
                    "version_ranges": None,
                },
            },
            {
                "name": "apt",
                "commands": {
                    "install": {
                        "command": ["apt", "install", "--yes", "{}"],
                        "requires_elevation": True,
                    },
                    "query": {"command": ["dpkg-query", "--show", "{}"]},
                },
                "specifier_syntax": {
                    "name_only": ["{name}"],
                    "exact_version": None,
                    "version_ranges": None,
                },
            },
        ],
    },
    "dnf": {
        "file": "external-fedora.mapping.json",
        "name": "Fedora",
        "description": (
            "pip-native's bundled mapping of PEP 725 identifiers to Fedora packages (Fedora 40 "
            "and later). Names as listed on packages.fedoraproject.org; entries also in the PEP "
            "804 reference data (external-metadata-mappings, fedora.mapping.json) agree with it. "
            "Not checked on a live Fedora system."
        ),
        "url": "https://packages.fedoraproject.org/search?query={}",
        "verified": "cited (packages.fedoraproject.org); not checked on a live system",
        "managers": [
            {
                "name": "dnf",
                "commands": {
                    "install": {
                        "command": ["dnf", "install", "--assumeyes", "{}"],
                        "multiple_specifiers": "always",
                        "requires_elevation": True,
                    },
                    "query": {"command": ["rpm", "--query", "--whatprovides", "{}"]},
                },
                "specifier_syntax": {
                    "name_only": ["{name}"],
                    "exact_version": ["{name} = {version}"],
                    "version_ranges": {
                        "syntax": ["{name} {ranges}"],
                        "and": None,
                        "equal": "= {version}",
                        "greater_than": "> {version}",
                        "greater_than_equal": ">= {version}",
                        "less_than": "< {version}",
                        "less_than_equal": "<= {version}",
                    },
                },
            }
        ],
    },
    "conda": {
        "file": "external-conda-forge.mapping.json",
        "name": "conda-forge",
        "description": (
            "pip-native's bundled mapping of PEP 725 identifiers to conda-forge packages. Names "
            "as published on anaconda.org/conda-forge; not checked with a live solver."
        ),
        "url": "https://anaconda.org/conda-forge/{}",
        "verified": "cited (anaconda.org/conda-forge); not checked with a live solver",
        "managers": [
            {
                "name": manager,
                "commands": {
                    "install": {
                        "command": [manager, "install", "--yes", "--channel", "conda-forge", "{}"],
                        "multiple_specifiers": "always",
                    },
                    "query": {"command": [manager, "list", "--full-name", "{}"]},
                },
                "specifier_syntax": {
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
                },
            }
            for manager in ("conda", "mamba", "micromamba")
        ],
    },
    "brew": {
        "file": "external-homebrew.mapping.json",
        "name": "Homebrew",
        "description": (
            "pip-native's bundled mapping of PEP 725 identifiers to Homebrew formulae "
            "(homebrew-core, as shown on formulae.brew.sh); not checked with a live brew."
        ),
        "url": "https://formulae.brew.sh/formula/{}",
        "verified": "cited (homebrew-core formulae); not checked with a live brew",
        "managers": [
            {
                "name": "brew",
                "commands": {
                    "install": {"command": ["brew", "install", "{}"]},
                    "query": {"command": ["brew", "list", "--versions", "{}"]},
                },
                "specifier_syntax": {
                    "name_only": ["{name}"],
                    "exact_version": None,
                    "version_ranges": None,
                },
            }
        ],
    },
}


def _specs(value: Value) -> Any:
    if isinstance(value, tuple) and value[0] == "unavailable":
        return []
    if isinstance(value, dict):
        return {c: list(value.get(c, [])) for c in ("build", "host", "run")}
    return value


def _names(value: Value) -> list[str]:
    if isinstance(value, tuple):
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return list(value)
    return list(dict.fromkeys(p for c in ("build", "host", "run") for p in value.get(c, [])))


def apt_versions(names: list[str]) -> dict[str, str]:
    """Candidate versions of ``names`` from ``apt-cache policy`` (one call)."""
    result = run(["apt-cache", "policy", *names], what="look up Debian package versions")
    versions: dict[str, str] = {}
    current = None
    for line in result.stdout.splitlines():
        if line and not line.startswith(" ") and line.endswith(":"):
            current = line[:-1]
        elif current and line.strip().startswith("Candidate:"):
            candidate = line.split(":", 1)[1].strip()
            if candidate != "(none)":
                versions[current] = candidate
    return versions


def build_document(ecosystem: str, epochs: dict[str, str], today: str) -> dict[str, Any]:
    meta = ECOSYSTEMS[ecosystem]
    mappings = []
    for ident, (description, values) in ENTRIES.items():
        if ecosystem not in values:
            continue
        value = values[ecosystem]
        entry: dict[str, Any] = {"id": ident, "description": description}
        if isinstance(value, tuple) and value[0] == "from":
            entry["specs_from"] = value[1]
            mappings.append(entry)
            continue
        if isinstance(value, tuple):
            entry["description"] = f"{description}. {value[1]}"
        entry["specs"] = _specs(value)
        names = _names(value)
        if names:
            entry["urls"] = {name: meta["url"].format(name) for name in names}
        extra: dict[str, Any] = {"verified": f"{meta['verified']}, {today}"}
        mine = {n: epochs[n] for n in names if n in epochs}
        if mine:
            extra["debian_epochs"] = mine
        entry["extra_metadata"] = extra
        mappings.append(entry)
    return {
        "$schema": SCHEMA_URL,
        "schema_version": 1,
        "name": meta["name"],
        "description": meta["description"],
        "mappings": mappings,
        "package_managers": meta["managers"],
    }


def _dump(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verify-apt", action="store_true", help="check apt names, record epochs")
    parser.add_argument("--check", action="store_true", help="only compare with the files")
    parser.add_argument("--date", default=None, help="date recorded as 'verified' (default: kept)")
    args = parser.parse_args(argv)
    old_apt = DATA / ECOSYSTEMS["apt"]["file"]
    epochs: dict[str, str] = {}
    today = args.date
    if old_apt.is_file():  # keep epochs and dates recorded by the last --verify-apt
        previous = json.loads(old_apt.read_text(encoding="utf-8"))
        for entry in previous["mappings"]:
            extra = entry.get("extra_metadata") or {}
            epochs.update(extra.get("debian_epochs", {}))
            if today is None and "verified" in extra:
                today = extra["verified"].rsplit(", ", 1)[-1]
    today = today or dt.date.today().isoformat()
    if args.verify_apt:
        names = sorted({n for _, v in ENTRIES.values() for n in _names(v.get("apt", []))})
        versions = apt_versions(names)
        missing = [n for n in names if n not in versions]
        if missing:
            print(f"not in apt: {', '.join(missing)}", file=sys.stderr)
            return 1
        epochs = {n: v.split(":", 1)[0] for n, v in versions.items() if ":" in v}
        today = args.date or dt.date.today().isoformat()
        print(f"apt: all {len(names)} names found; {len(epochs)} with an epoch")
    status = 0
    for ecosystem, meta in ECOSYSTEMS.items():
        path = DATA / meta["file"]
        text = _dump(build_document(ecosystem, epochs, today))
        if args.check:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                print(f"{path} is out of date", file=sys.stderr)
                status = 1
            continue
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
