"""Re-record the dnf/rpm command outputs under tests/data/dnf/ (run as root; needs dnf 4, rpm,
rpmbuild and createrepo_c: ``apt-get install dnf rpm createrepo-c`` on Debian).

Usage: ``python tests/data/dnf/record.py``. It builds the integration tests' local
repository of tiny ``pntest`` RPMs (integration/rpmrepo.py) in a fixed directory,
installs ``python3`` and ``python3-pntest-core-0.9`` into its installroot, then runs
the real DnfAdapter through the scenarios below and saves every command it ran:
``NAME.stdout`` (plus ``NAME.stderr`` when the command wrote to it) and ``NAME.meta``
(the exact argv as a JSON list, the distribution, dnf's version, the date, the exit
status). tests/test_dnf.py replays them in the same order.
"""

from __future__ import annotations

import datetime
import json
import shutil
import subprocess
import sys
from pathlib import Path

from packaging.utils import canonicalize_name

from pip_native import subproc
from pip_native.errors import PipNativeError
from pip_native.mapping import load_mapping
from pip_native.native.base import SystemPackage
from pip_native.native.dnf import DnfAdapter
from pip_native.resolver.sources import NativeSource

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2] / "integration"))

import rpmrepo  # noqa: E402

#: Fixed, so the recorded argv (installroot, config paths) are the same on every run.
WORK = Path("/tmp/pip-native-dnf-recording")
QUERY_NAMES = (
    "python3dist(pntest-app)",
    "python3dist(pntest-core)",
    "python3-pntest-core",
    "python3dist(pntest-pre)",
    "python3dist(pntest-multi-plugin)",
    "python3dist(pntest-old)",
    "python3dist(pntest-broken)",
    "pntest-virtual",
    "python(abi)",
    "python3dist(no-such-project)",
    "libpntest.so.0()(64bit)",
)
CLOSURE_ROOTS = (
    "python3dist(pntest-app)",
    "python3dist(pntest-old)",
    "python3-pntest-core",
    "python3dist(pntest-broken)",
)
#: A user mapping file for the "source" scenario (NativeSource with the dnf mapping).
SOURCE_MAPPING = '[dnf]\npntest-lib = ["libpntest"]\npntest-never = false\n'
SOURCE_PROJECTS = ("pntest-app", "pntest-core", "pntest-lib", "pntest-never", "pntest-absent")
PLANS = {
    "plan-app": [
        "python3dist(pntest-app)",
        "python3dist(pntest-with-a-name-long-enough-to-wrap-the-table)",
    ],
    "plan-roots": [
        "python3dist(pntest-core)",
        "python3dist(pntest-app)",
        "python3dist(pntest-helper)",
        "python3dist(pntest-pre)",
    ],
    "plan-upgrade": ["python3-pntest-core"],
    "plan-nothing": ["python3"],
    "plan-broken": ["python3dist(pntest-broken)"],
    "plan-conflict": ["python3-pntest-core2"],
}


def distro() -> str:
    for line in Path("/etc/os-release").read_text().splitlines():
        if line.startswith("PRETTY_NAME="):
            return line.partition("=")[2].strip('"')
    return "unknown"


def dnf_version() -> str:
    out = subprocess.run(["dnf", "--version"], capture_output=True, text=True, check=False)
    return out.stdout.splitlines()[0] if out.stdout else "?"


def save(name: str, result: subproc.CommandResult, note: str = "") -> None:
    meta = [
        f"command: {json.dumps(list(result.argv))}",
        f"distro: {distro()}",
        f"dnf: {dnf_version()}",
        f"date: {datetime.date.today().isoformat()}",
        f"returncode: {result.returncode}",
        "locale: LC_ALL=C.UTF-8 (pip_native.subproc parse_output)",
        "repository: integration/rpmrepo.py pntest_packages(); installroot holds python3 and "
        "python3-pntest-core-0.9",
    ]
    if note:
        meta.append(f"note: {note}")
    (HERE / f"{name}.meta").write_text("\n".join(meta) + "\n")
    (HERE / f"{name}.stdout").write_text(result.stdout)
    stderr = HERE / f"{name}.stderr"
    if result.stderr:
        stderr.write_text(result.stderr)
    elif stderr.exists():
        stderr.unlink()
    print(f"{name}: exit {result.returncode}: {' '.join(result.argv[:1] + result.argv[-2:])[:100]}")


class Recorder:
    """Wraps subproc.run: runs the real command and saves it as ``<scenario>-<n>``."""

    def __init__(self) -> None:
        self.real = subproc.run
        self.scenario = ""
        self.count = 0
        self.seen: dict[tuple[str, ...], subproc.CommandResult] = {}

    def __call__(self, argv, **kwargs):  # type: ignore[no-untyped-def]
        result = self.real(argv, **kwargs)
        if self.seen.get(result.argv) == result:
            return result  # the same command with the same answer is recorded once
        self.seen[result.argv] = result
        self.count += 1
        tool = {"rpm": "rpm"}.get(argv[0]) or ("repoquery" if "repoquery" in argv else "install")
        save(f"{self.scenario}-{self.count}-{tool}", result)
        return result

    def start(self, scenario: str) -> None:
        self.scenario, self.count = scenario, 0


def make_sandbox() -> rpmrepo.DnfSandbox:
    if WORK.exists():
        shutil.rmtree(WORK)
    WORK.mkdir(parents=True)
    box = rpmrepo.make_sandbox(rpmrepo.pntest_packages(), WORK)
    subproc.run(
        [*box.dnf, "install", "-y", "python3", "python3-pntest-core-0.9-1.noarch"],
        what="install the recording's base packages",
    )
    return box


def main() -> None:
    for old in HERE.glob("*.meta"):
        for suffix in (".meta", ".stdout", ".stderr"):
            old.with_suffix(suffix).unlink(missing_ok=True)
    record_references()
    box = make_sandbox()
    recorder = Recorder()
    subproc.run = recorder  # type: ignore[assignment]

    def adapter() -> DnfAdapter:
        return DnfAdapter(installroot=str(box.root), options=box.options)

    recorder.start("batch")
    dnf = adapter()
    dnf.query(QUERY_NAMES)
    packages: dict[str, SystemPackage] = {}
    for name in CLOSURE_ROOTS:
        try:
            for pkg in dnf.closure(name):
                packages.setdefault(pkg.name, pkg)
        except PipNativeError as exc:
            print(f"  closure {name}: {exc.message}")
    extra = SystemPackage("dnf", "python3-pntest-extra", "1.0-1", None, "noarch")
    dnf.provided_distributions([*packages.values(), extra])

    recorder.start("source")
    mapping_file = WORK / "pntest-mapping.toml"
    mapping_file.write_text(SOURCE_MAPPING)
    native: NativeSource | None = None

    def dists_for_package(package: str) -> tuple[str, ...]:
        assert native is not None
        return native.dists_for_package(package)

    dnf = DnfAdapter(
        installroot=str(box.root), options=box.options, dists_for_package=dists_for_package
    )
    native = NativeSource(dnf, load_mapping("dnf", user_files=[mapping_file]))
    projects = [canonicalize_name(p) for p in SOURCE_PROJECTS]
    native.prefetch(projects)
    for project in projects:
        native.candidate(project)

    for scenario, names in PLANS.items():
        recorder.start(scenario)
        try:
            adapter().plan_install(names)
        except PipNativeError as exc:
            print(f"  {scenario}: {type(exc).__name__}: {exc.message}")

    subproc.run = recorder.real  # type: ignore[assignment]
    base = adapter().dnf_base()
    weak = "--setopt=install_weak_deps=False"
    save(
        "install-no-match",
        subproc.run(
            [*base, "install", "--assumeno", weak, "python3-pntest-core-0.5-1.noarch"],
            what="record",
            check=False,
        ),
        note="a version the repository does not have (as if it changed after the query)",
    )
    conf = [f"--config={box.config}", f"--setopt=reposdir={box.reposdir}", "--releasever=40"]
    for path in (WORK, box.config.parent):
        path.chmod(0o755)
    save(
        "install-not-root",
        subproc.run(
            [
                "runuser",
                "-u",
                "nobody",
                "--",
                "dnf",
                *conf,
                "install",
                "--assumeno",
                weak,
                "python3-pntest-app-2.0-1.noarch",
            ],
            what="record",
            check=False,
        ),
        note="run as the user nobody, without an installroot: dnf refuses before resolving",
    )


#: Version pairs for rpm's own rpmvercmp (rpm's test suite's examples, plus separators).
VERCMP_PAIRS = (
    "1.0 1.0;1.0 2.0;2.0 1.0;2.0.1a 2.0.1;5.5p1 5.5p10;5.5p10 5.5p1;10xyz 10.1xyz;xyz.4 8;"
    "8 xyz.4;6.0.rc1 6.0;10b2 10a1;10a2 10b2;1.0a 1.0aa;10.0001 10.1;10.0001 10.0039;"
    "4.999.9 5.0;20101121 20101122;2.0 2_0;a+ a_;+ _;1.0~rc1 1.0;1.0~rc1 1.0~rc2;"
    "1.0~rc1~git123 1.0~rc1;1.0^ 1.0;1.0^git1 1.0;1.0^git1 1.01;1.0^20160101 1.0.1;"
    "1.0^20160102 1.0^20160101^git1;1.0~rc1^git1 1.0~rc1;1.0^git1~pre 1.0^git1;"
    "1~rc1 1.0;1.26.4 1.26.10;2023.3.post1 2023.3;1.0.0 1;0^20240101git1 0"
)
#: rpmdsCompare over every pair of these ranges, through the python3-rpm bindings.
OVERLAP_SCRIPT = """
import itertools, json, sys
import rpm
ops = {"<": rpm.RPMSENSE_LESS, "<=": rpm.RPMSENSE_LESS | rpm.RPMSENSE_EQUAL,
       "=": rpm.RPMSENSE_EQUAL, ">=": rpm.RPMSENSE_GREATER | rpm.RPMSENSE_EQUAL,
       ">": rpm.RPMSENSE_GREATER}
evrs = ["1.0", "1.0-1", "1.0-2", "2.0", "0.9-5", "1:0.5", "1:1.0-1", "1.0~rc1", "1.0^post1-1"]
out = []
for a_op, a_evr, b_op, b_evr in itertools.product(ops, evrs, ops, evrs):
    a = rpm.ds(("foo", ops[a_op], a_evr), rpm.RPMTAG_PROVIDENAME)
    b = rpm.ds(("foo", ops[b_op], b_evr), rpm.RPMTAG_REQUIRENAME)
    out.append([a_op, a_evr, b_op, b_evr, int(a.Compare(b))])
json.dump(out, sys.stdout)
"""


def record_references() -> None:
    pairs = [p.split(" ") for p in VERCMP_PAIRS.split(";")]
    lua = " ".join(f"print('{a} {b} ' .. rpm.vercmp('{a}', '{b}') .. ';')" for a, b in pairs)
    save(
        "rpm-vercmp",
        subproc.run(["rpm", "--eval", "%{lua: " + lua + "}"], what="record", check=False),
        note="rpm's own version comparison: 'a b result;' per pair",
    )
    save(
        "rpmds-compare",
        subproc.run(["/usr/bin/python3", "-c", OVERLAP_SCRIPT], what="record", check=False),
        note="rpmdsCompare (python3-rpm): [provide op, evr, require op, evr, overlaps]",
    )


if __name__ == "__main__":
    main()
