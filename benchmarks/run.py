"""Planning speed, memory and correctness: pip-native vs pip --dry-run vs uv pip compile.

Builds its own venvs under a temporary directory (or ``--workdir``):

- ``pn``: ``/usr/bin/python3 -m venv --system-site-packages`` with pip-native
  installed from this repository; pip-native and pip run from here;
- ``tools``: uv and matplotlib from PyPI (uv for ``uv pip compile``, matplotlib
  for the plot), so nothing extra lands in pip-native's venv.

For every workload it measures, in the same run, the median wall time of N runs
(interleaved: each round runs every tool once, so the network's slow minutes fall
on all tools alike) and the peak RSS (``ru_maxrss`` from ``os.wait4``: the largest single process in
the tree) of

- ``pip-native plan --native-from=apt --report -``, cold (fresh
  ``PIP_NATIVE_CACHE_DIR`` per run) and warm (one priming run, then N runs);
- ``pip install --dry-run --report - --ignore-installed`` in the same venv, cold
  (``--no-cache-dir``) and warm (``--cache-dir``, primed), pip-native's hook off
  (``PIP_NATIVE_DISABLE=1``) so this is stock pip;
- ``pip install --dry-run --native-from=apt --report -`` through pip-native's pip
  hook (the command users type), cold (``--no-cache-dir`` and a fresh
  ``PIP_NATIVE_CACHE_DIR``) and warm (both primed);
- ``uv pip compile`` for the venv's interpreter, cold (``--no-cache``) and warm
  (``--cache-dir``, primed), ``--index-strategy unsafe-best-match`` so it merges
  indexes the way pip does.

All three get the same index options, read from the machine's pip
configuration with ``IndexConfig.from_pip_configuration()`` and passed
explicitly, with ``PIP_CONFIG_FILE=/dev/null`` so nothing else differs.

It also runs ``pip-native plan`` without ``--native-from`` (pure wheels only), cold
and warm: a workload that needs native code fails there at the first run, which is
recorded as "needs native code" with the projects the error names.

For workloads that are not native-heavy it compares the resolved sets (name==version)
of pip-native's plans (kept, already-installed rows included), with apt and without a
backend, and pip's install set.

Usage: ``python benchmarks/run.py [--quick] [--runs N] [--workdir DIR]``.
Writes ``benchmarks/results/results.md``, ``results.json`` and ``results.png``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import pstats
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
SYSTEM_PYTHON = "/usr/bin/python3"
TIMEOUT = 900

WORKLOADS: dict[str, list[str]] = {
    "requests": ["requests"],
    "flask": ["flask"],
    "django": ["django"],
    "sphinx": ["sphinx"],
    "jupyterlab": ["jupyterlab"],
    "scikit-learn pandas matplotlib": ["scikit-learn", "pandas", "matplotlib"],
}
NATIVE_HEAVY = {"scikit-learn pandas matplotlib"}
QUICK = ["requests", "flask", "scikit-learn pandas matplotlib"]
PURE = "pip-native, no backend"
TOOLS = ("pip-native", "pip hook", PURE, "pip", "uv")
PN_TOOLS = ("pip-native", "pip hook", PURE)
LABELS = {
    "pip-native": "pip-native plan",
    "pip hook": "pip --native-from=apt (hook)",
    PURE: "pip-native plan, no backend",
    "pip": "pip",
    "uv": "uv",
}


def canon(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def sh(cmd: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, check=True, text=True, timeout=TIMEOUT, **kw)  # type: ignore[call-overload]


def setup(work: Path) -> tuple[Path, Path]:
    pn, tools = work / "pn", work / "tools"
    pip_q = ["-m", "pip", "install", "-q", "--disable-pip-version-check"]
    if not (pn / "bin" / "python").exists():
        sh([SYSTEM_PYTHON, "-m", "venv", "--system-site-packages", str(pn)])
    # Always this checkout's pip-native, also in a reused --workdir (its dependencies stay).
    sh([str(pn / "bin" / "python"), *pip_q, "--force-reinstall", "--no-deps", str(REPO)])
    sh([str(pn / "bin" / "python"), *pip_q, str(REPO)])
    if not (tools / "bin" / "uv").exists() or not (tools / "bin" / "python").exists():
        sh([SYSTEM_PYTHON, "-m", "venv", str(tools)])
        sh([str(tools / "bin" / "python"), *pip_q, "uv", "matplotlib"])
    return pn / "bin" / "python", tools / "bin" / "python"


def index_config(pn_python: Path) -> dict[str, object]:
    code = (
        "import json, dataclasses\n"
        "from pip_native.index.config import IndexConfig\n"
        "print(json.dumps(dataclasses.asdict(IndexConfig.from_pip_configuration())))\n"
    )
    return json.loads(sh([str(pn_python), "-c", code], capture_output=True).stdout)


def index_args(cfg: dict[str, object], *, cert: bool) -> list[str]:
    args = ["--index-url", str(cfg["index_url"])]
    for url in cfg["extra_index_urls"]:  # type: ignore[attr-defined]
        args += ["--extra-index-url", url]
    for link in cfg["find_links"]:  # type: ignore[attr-defined]
        args += ["--find-links", link]
    if cfg["no_index"]:
        args.append("--no-index")
    if cert and cfg.get("cert"):
        args += ["--cert", str(cfg["cert"])]
    for host in cfg["trusted_hosts"]:  # type: ignore[attr-defined]
        args += ["--trusted-host", host]
    return args


#: How long each run's processes outlived it (seconds), see :func:`measure`.
LINGERED: list[float] = []


def become_subreaper() -> bool:
    """Make this process the parent of its descendants' orphans (Linux
    ``PR_SET_CHILD_SUBREAPER``), so that :func:`measure` can wait for them."""
    try:
        import ctypes

        return bool(ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def measure(
    cmd: list[str], env: dict[str, str], stdin: str | None = None
) -> tuple[float, float, str, str]:
    """(wall seconds, peak RSS MB, stdout, stderr) of one run; raises on failure.

    The time is until the command returns. A process of it still running then
    (pip-native's apt universe process keeps the tables of the lists it read
    after answering the plan) is this process's child by then (see
    :func:`become_subreaper`): it is waited for before the next run starts, so
    that it never shares the CPUs with another tool's run, and its memory counts."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        peak = usage.ru_maxrss
        while True:
            try:
                _, _, orphan = os.wait4(-1, 0)
            except ChildProcessError:
                break
            peak = max(peak, orphan.ru_maxrss)
        LINGERED.append(time.perf_counter() - start - elapsed)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[:4]}... exit {proc.returncode}: {stderr[-2000:]}")
    return elapsed, peak / 1024, stdout, stderr


class Bench:
    def __init__(self, work: Path, pn_python: Path, tools_python: Path, runs: int) -> None:
        self.work, self.runs = work, runs
        self.pn_python, self.tools_python = pn_python, tools_python
        self.cfg = index_config(pn_python)
        base = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_"))}
        base["PIP_CONFIG_FILE"] = os.devnull
        if self.cfg.get("cert"):
            base["SSL_CERT_FILE"] = str(self.cfg["cert"])  # uv's equivalent of --cert
        self.base = base
        self.counter = 0

    def fresh(self, label: str) -> Path:
        self.counter += 1
        path = self.work / "caches" / f"{label}-{self.counter}"
        path.mkdir(parents=True)
        return path

    def command(
        self,
        tool: str,
        reqs: list[str],
        cache: Path | None,
        *,
        warm: bool = True,
    ) -> tuple[list[str], dict[str, str]]:
        """The command and environment; ``cache`` None means none (cold), except for
        pip-native and its hook, which always get a cache directory (fresh when cold)."""
        env = dict(self.base)
        bindir = self.pn_python.parent
        if tool in ("pip-native", PURE):
            assert cache is not None
            env["PIP_NATIVE_CACHE_DIR"] = str(cache)
            backend = ["--native-from=apt"] if tool == "pip-native" else []
            cmd = [str(bindir / "pip-native"), "plan", *backend, "--report", "-"]
            return [*cmd, *index_args(self.cfg, cert=True), *reqs], env
        if tool == "pip hook":
            assert cache is not None
            env["PIP_NATIVE_CACHE_DIR"] = str(cache / "pip-native")
            cmd = [str(self.pn_python), "-m", "pip", "install", "--dry-run", "--native-from=apt"]
            cmd += ["--report", "-", "-q", "--disable-pip-version-check"]
            cmd += ["--cache-dir", str(cache / "pip")] if warm else ["--no-cache-dir"]
            return [*cmd, *index_args(self.cfg, cert=True), *reqs], env
        if tool == "pip":
            env["PIP_NATIVE_DISABLE"] = "1"  # stock pip, not pip-native's hook
            cmd = [str(self.pn_python), "-m", "pip", "install", "--dry-run", "--report", "-", "-q"]
            cmd += ["--ignore-installed", "--disable-pip-version-check"]
            cmd += ["--no-cache-dir"] if cache is None else ["--cache-dir", str(cache)]
            return [*cmd, *index_args(self.cfg, cert=True), *reqs], env
        reqfile = self.work / "reqs" / ("-".join(reqs) + ".in")
        reqfile.parent.mkdir(exist_ok=True)
        reqfile.write_text("".join(r + "\n" for r in reqs))
        cmd = [str(self.tools_python.parent / "uv"), "pip", "compile", "-q", "--no-header"]
        cmd += ["--python", str(self.pn_python), "--index-strategy", "unsafe-best-match"]
        cmd += ["--no-cache"] if cache is None else ["--cache-dir", str(cache)]
        return [*cmd, *index_args(self.cfg, cert=False), str(reqfile)], env

    def cold_once(self, tool: str, reqs: list[str]) -> tuple[float, float]:
        """Seconds and peak MB of one cold run (a fresh cache for pip-native's tools)."""
        cache = self.fresh(tool.replace(" ", "-")) if tool in PN_TOOLS else None
        cmd, env = self.command(tool, reqs, cache, warm=False)
        try:
            t, mb, _out, _ = measure(cmd, env)
        finally:
            if cache is not None:
                shutil.rmtree(cache, ignore_errors=True)
        return t, mb

    def run_tools(self, tools: tuple[str, ...], reqs: list[str]) -> dict[str, dict[str, object]]:
        """Every tool, cold and then warm, interleaved: round k runs each
        tool once, so a slow minute of the network falls on all of them alike instead of
        on whichever tool's runs it hit. Warm caches are primed, one run each, before the
        first warm round. A tool that fails is dropped from the later rounds; its result
        is ``{"needs_native": [...]}`` (pip-native without a backend, on a workload that
        needs native code: expected) or ``{"error": ...}``."""
        failed: dict[str, dict[str, object]] = {}

        def attempt(tool: str, run: Callable[[], tuple[float, float, str]]) -> bool:
            try:
                t, mb, out = run()
            except (RuntimeError, subprocess.TimeoutExpired) as exc:
                missing = needs_native(str(exc)) if tool == PURE else None
                if missing is not None:
                    failed[tool] = {"needs_native": missing}
                    print(f"  {tool}: needs native code: {', '.join(missing)}", file=sys.stderr)
                else:
                    failed[tool] = {"error": str(exc)}
                    print(f"  {tool} failed: {exc}", file=sys.stderr)
                return False
            times[tool].append(t)
            peaks[tool].append(mb)
            last_out[tool] = out
            return True

        def cold_run(tool: str) -> Callable[[], tuple[float, float, str]]:
            return lambda: (*self.cold_once(tool, reqs), "")

        times: dict[str, list[float]] = {t: [] for t in tools}
        peaks: dict[str, list[float]] = {t: [] for t in tools}
        last_out: dict[str, str] = {}
        for _ in range(self.runs):
            for tool in tools:
                if tool not in failed:
                    attempt(tool, cold_run(tool))
        results: dict[str, dict[str, object]] = {}
        for tool in tools:
            if tool not in failed:
                results[tool] = {
                    "cold": statistics.median(times[tool]),
                    "cold_runs": times[tool],
                    "peak_cold_mb": max(peaks[tool]),
                }
        commands = {
            tool: self.command(tool, reqs, self.fresh(tool.replace(" ", "-"))) for tool in results
        }
        for tool in commands:  # new lists: the cold ones are in results
            times[tool], peaks[tool] = [], []
        for tool, (cmd, env) in commands.items():  # prime, then count only warm runs
            if attempt(tool, lambda cmd=cmd, env=env: measure(cmd, env)[:3]):
                times[tool], peaks[tool] = [], []
        for _ in range(self.runs):
            for tool, (cmd, env) in commands.items():
                if tool not in failed:
                    attempt(tool, lambda cmd=cmd, env=env: measure(cmd, env)[:3])
        for tool, (cmd, env) in commands.items():
            if tool in failed:
                continue
            results[tool].update(
                warm=statistics.median(times[tool]),
                warm_runs=times[tool],
                peak_warm_mb=max(peaks[tool]),
                output=last_out[tool],
                warm_cmd=cmd,
                warm_env={k: v for k, v in env.items() if k.startswith(("PIP", "SSL"))},
            )
            results[tool]["peak_mb"] = max(
                results[tool]["peak_cold_mb"],  # type: ignore[type-var]
                results[tool]["peak_warm_mb"],
            )
        for tool in tools:
            if tool in failed:
                results[tool] = failed[tool]
        return {tool: results[tool] for tool in tools}


def pn_set(report: dict) -> dict[str, tuple[str, str, str]]:
    return {
        canon(r["name"]): (r["version"], r["action"], r["source"])
        for r in report["pip_native"]["plan"]
    }


def pip_set(report: dict) -> dict[str, str]:
    return {canon(i["metadata"]["name"]): i["metadata"]["version"] for i in report["install"]}


def compare(pn_report: dict, pip_report: dict) -> tuple[bool, list[str]]:
    pn, pip = pn_set(pn_report), pip_set(pip_report)
    diffs = []
    for name in sorted(set(pn) | set(pip)):
        a, b = pn.get(name), pip.get(name)
        if a is not None and b is not None and a[0] == b:
            continue
        if a is None:
            diffs.append(f"{name}: pip {b}, not in pip-native's plan")
        elif b is None:
            diffs.append(f"{name}: pip-native {a[0]} ({a[1]}, {a[2]}), not in pip's set")
        else:
            why = " — kept the installed version" if a[1] == "keep" else ""
            diffs.append(f"{name}: pip-native {a[0]} ({a[1]}, {a[2]}) vs pip {b}{why}")
    return not diffs, diffs


def needs_native(error: str) -> list[str] | None:
    """The projects a failed plan without a backend could not take (None: another failure)."""
    if "Hint: Pass --native-from=apt" not in error:
        return None
    ruled_out = error.rpartition("ruled out: ")[2]
    return re.findall(r"(?:^|; )([A-Za-z0-9._-]+) \(required by", ruled_out) or ["?"]


def native_summary(pn_report: dict) -> str:
    rows = pn_report["pip_native"]["plan"]
    by_source: dict[str, int] = {}
    for r in rows:
        by_source[r["source"]] = by_source.get(r["source"], 0) + 1
    native = pn_report.get("native") or {}
    pkgs = len(native.get("packages") or [])
    parts = ", ".join(f"{n} {s}" for s, n in sorted(by_source.items()))
    return f"{len(rows)} projects ({parts}); {pkgs} new apt packages"


def profile_native(bench: Bench, reqs: list[str]) -> dict[str, object]:
    """cProfile one warm pip-native run: total time, time inside pip_native/native/, top functions."""
    cache = bench.fresh("prof")
    cmd, env = bench.command("pip-native", reqs, cache)
    measure(cmd, env)  # prime the cache
    prof = bench.work / "warm.prof"
    pcmd = [str(bench.pn_python), "-m", "cProfile", "-o", str(prof), "-m", "pip_native", *cmd[1:]]
    _, _, out, _ = measure(pcmd, env)
    report = json.loads(out)
    stats = pstats.Stats(str(prof))
    raw = stats.stats  # type: ignore[attr-defined]
    total = max(ct for (_cc, _nc, _tt, ct, _callers) in raw.values())

    def in_native(key: tuple[str, int, str]) -> bool:
        return "/pip_native/native/" in key[0]

    # Boundary functions: in native/, called from outside native/ (no double counting within).
    native_time = 0.0
    for key, (_cc, _nc, _tt, ct, callers) in raw.items():
        if in_native(key) and callers and not any(in_native(c) for c in callers):
            native_time += ct
    top = sorted(
        ((ct, tt, f"{Path(k[0]).name}:{k[1]}({k[2]})") for k, (_c, _n, tt, ct, _cl) in raw.items()),
        reverse=True,
    )
    top_own = sorted(
        ((tt, ct, f"{Path(k[0]).name}:{k[1]}({k[2]})") for k, (_c, _n, tt, ct, _cl) in raw.items()),
        reverse=True,
    )
    native_names = len([r for r in report["pip_native"]["plan"] if r["source"] == "apt"])
    native_pkgs = len((report.get("native") or {}).get("packages") or [])
    return {
        "total": total,
        "native": native_time,
        "native_projects": native_names,
        "native_packages": native_pkgs,
        "top_cum": [(round(c, 3), n) for c, _t, n in top[:25]],
        "top_own": [(round(t, 3), n) for t, _c, n in top_own[:20]],
    }


def importtime(bench: Bench) -> list[tuple[int, str]]:
    """The slowest top-level imports of ``import pip_native.cli`` (cumulative µs)."""
    err = sh(
        [
            str(bench.pn_python),
            "-X",
            "importtime",
            "-c",
            "import pip_native.cli, pip_native.planner",
        ],
        capture_output=True,
        env=bench.base,
    ).stderr
    rows = []
    for line in err.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \|( *)(\S+)$", line)
        if m and len(m.group(2)) <= 5:  # top-level and two nesting levels
            rows.append((int(m.group(1)), m.group(3)))
    return sorted(rows, reverse=True)[:20]


def versions(bench: Bench) -> dict[str, str]:
    def out(cmd: list[str]) -> str:
        return sh(cmd, capture_output=True, env=bench.base).stdout.strip()

    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": str(os.cpu_count()),
        "machine": f"{platform.system()} {platform.release()} {platform.machine()}",
        "python": out([str(bench.pn_python), "-c", "import sys; print(sys.version.split()[0])"]),
        "pip": out([str(bench.pn_python), "-m", "pip", "--version"]).split()[1],
        "pip-native": out([str(bench.pn_python.parent / "pip-native"), "--version"]).split()[-1],
        "uv": out([str(bench.tools_python.parent / "uv"), "--version"]).split()[1],
        "apt": out(["apt-get", "--version"]).splitlines()[0],
    }


def fmt_ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}×" if b else "-"  # noqa: RUF001 - the multiplication sign is meant


def write_markdown(data: dict) -> str:
    lines = ["# pip-native planning benchmark", ""]
    lines += [f"- {k}: {v}" for k, v in data["machine"].items()]
    lines += [
        f"- runs per measurement: {data['runs']} (median), the tools interleaved round by round; "
        "cold = no cache, warm = primed cache",
        f"- index options (every tool): `{' '.join(data['index_args'])}`",
        "- peak MB: largest single process's max RSS (ru_maxrss from wait4), max over the cold runs / the warm runs",
        f"- each run ends when the command returns; a process of it still running then (pip-native's apt universe process, keeping the tables of the lists it read) is waited for before the next run (this benchmark is its reaper: {data.get('subreaper', False)}); the longest wait: {data.get('lingered_ms', 0):.0f} ms",
        "",
        "| workload | tool | cold s | warm s | peak MB cold / warm | cold ratio pn/pip | warm ratio pn/pip "
        "| cold ratio pn/uv | warm ratio pn/uv | correctness (pip-native vs pip set) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, w in data["workloads"].items():
        t = w["tools"]
        pip, uv = t.get("pip"), t.get("uv")
        for tool in TOOLS:
            r = t.get(tool)
            if r is None:
                continue
            if "needs_native" in r:
                lines.append(
                    f"| {name} | {LABELS[tool]} | n/a | n/a | | | | | | needs native code "
                    f"(no pure wheel: {', '.join(r['needs_native'])}) |"
                )
                continue
            if "error" in r:
                lines.append(f"| {name} | {tool} | error | | | | | | | {r['error'][:80]} |")
                continue
            tool_label = LABELS.get(tool, tool)
            tool_label += " ¹" if tool in ("pip", "uv") and name in NATIVE_HEAVY else ""
            ratios = ["", "", "", ""]
            corr = ""
            if tool in PN_TOOLS:
                if pip and "error" not in pip:
                    ratios[0] = fmt_ratio(r["cold"], pip["cold"])
                    ratios[1] = fmt_ratio(r["warm"], pip["warm"])
                if uv and "error" not in uv:
                    ratios[2] = fmt_ratio(r["cold"], uv["cold"])
                    ratios[3] = fmt_ratio(r["warm"], uv["warm"])
                corr = {
                    "pip-native": w.get("correctness", ""),
                    PURE: w.get("pure_correctness", ""),
                }.get(tool, "")
            lines.append(
                f"| {name} | {tool_label} | {r['cold']:.2f} | {r['warm']:.2f} | {r['peak_cold_mb']:.0f} / {r['peak_warm_mb']:.0f} | "
                + " | ".join(ratios)
                + f" | {corr} |"
            )
    lines += [
        "",
        "¹ native-heavy workload: pip and uv resolve platform wheels (numpy, scipy, ...) from PyPI, "
        "pip-native maps them to apt packages and asks apt — a different problem, so the ratio "
        "compares different work.",
        "",
        "Ratios below 1 mean pip-native is faster. `pip-native plan` and "
        "`pip install --dry-run --native-from=apt` (pip-native's pip hook, the command users "
        "type; it starts pip first) make the same plan; both ratios are against stock pip.",
        "",
        "`pip-native plan, no backend` is `pip-native plan` without `--native-from`: pure "
        "wheels only, so it plans only the workloads that need no native code, and its plan "
        "must equal pip's. Through the hook, `pip install` without `--native-from` is stock "
        "pip (the `pip` rows).",
        "",
        "## Resolved-set differences (pip-native plan vs pip --dry-run --ignore-installed)",
        "",
    ]
    for name, w in data["workloads"].items():
        for key, label in (("diffs", "--native-from=apt"), ("pure_diffs", "no backend")):
            if w.get(key) is None:
                continue
            diffs = w[key]
            lines.append(
                f"- **{name}**, {label}: "
                + ("identical" if not diffs else f"{len(diffs)} differences")
            )
            lines += [f"  - {d}" for d in diffs]
    lines += ["", "## Plan composition (pip-native)", ""]
    for name, w in data["workloads"].items():
        if w.get("summary"):
            lines.append(f"- **{name}**: {w['summary']}")
    prof = data.get("profile")
    if prof:
        lines += [
            "",
            f"## Where a warm pip-native run spends its time ({prof['workload']}, cProfile)",
            "",
            f"- total {prof['total']:.2f} s under cProfile; inside pip_native/native/ (apt side) "
            f"{prof['native']:.2f} s for {prof['native_projects']} projects from apt, "
            f"{prof['native_packages']} new apt packages",
            "",
            "Top cumulative:",
            "",
        ]
        lines += [f"    {c:8.3f}  {n}" for c, n in prof["top_cum"]]
        lines += ["", "Top own time:", ""]
        lines += [f"    {t:8.3f}  {n}" for t, n in prof["top_own"]]
    if data.get("importtime"):
        lines += [
            "",
            "## Import time (`-X importtime`, cumulative µs, pip_native.cli + planner)",
            "",
        ]
        lines += [f"    {us:8d}  {mod}" for us, mod in data["importtime"]]
    return "\n".join(lines) + "\n"


PLOT = r"""
import json, sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
data = json.load(open(sys.argv[1]))
names = list(data["workloads"])
tools = ["pip-native", "pip hook", "pip", "uv"]
labels = {"pip-native": "pip-native plan", "pip hook": "pip --native-from=apt", "pip": "pip", "uv": "uv"}
fig, axes = plt.subplots(1, 2, figsize=(15, 5), sharey=False)
width = 0.2
for ax, kind in zip(axes, ["cold", "warm"]):
    for i, tool in enumerate(tools):
        vals = [data["workloads"][n]["tools"].get(tool, {}).get(kind, 0) or 0 for n in names]
        xs = [j + (i - 1.5) * width for j in range(len(names))]
        bars = ax.bar(xs, vals, width, label=labels[tool])
        ax.bar_label(bars, fmt="%.1f", fontsize=7)
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels([n.replace(" ", "\n") for n in names], fontsize=8)
    ax.set_ylabel("seconds (median)")
    ax.set_title(f"{kind} cache")
    ax.legend()
fig.suptitle("pip-native plan, pip --native-from=apt (hook), pip install --dry-run, uv pip compile (" + data["machine"]["date"] + ")")
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=110)
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"only {', '.join(QUICK)}")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workdir", type=Path, help="keep venvs and caches here (reused)")
    parser.add_argument("--workload", action="append", help="run only these (repeatable)")
    args = parser.parse_args()
    names = args.workload or (QUICK if args.quick else list(WORKLOADS))
    tmp = None
    if args.workdir:
        work = args.workdir.resolve()
        work.mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="pip-native-bench-")
        work = Path(tmp.name)
    shutil.rmtree(work / "caches", ignore_errors=True)
    subreaper = become_subreaper()
    try:
        pn_python, tools_python = setup(work)
        bench = Bench(work, pn_python, tools_python, args.runs)
        data: dict = {
            "machine": versions(bench),
            "runs": args.runs,
            "index_args": index_args(bench.cfg, cert=True),
            "subreaper": subreaper,
            "workloads": {},
        }
        for name in names:
            reqs = WORKLOADS[name]
            w: dict = {"requirements": reqs}
            print(
                f"[{time.strftime('%H:%M:%S')}] {name}: {', '.join(TOOLS)}",
                file=sys.stderr,
                flush=True,
            )
            w["tools"] = bench.run_tools(TOOLS, reqs)
            pn, pip = w["tools"]["pip-native"], w["tools"]["pip"]
            if "output" in pn:
                pn_report = json.loads(pn["output"])
                w["summary"] = native_summary(pn_report)
                if name not in NATIVE_HEAVY and "output" in pip:
                    same, diffs = compare(pn_report, json.loads(pip["output"]))
                    w["diffs"] = diffs
                    w["correctness"] = "equal" if same else f"different ({len(diffs)}, see below)"
                elif name in NATIVE_HEAVY:
                    w["correctness"] = "n/a (split plan; pip resolves platform wheels)"
            pure = w["tools"].get(PURE, {})
            if "output" in pure and "output" in pip:
                same, diffs = compare(json.loads(pure["output"]), json.loads(pip["output"]))
                w["pure_diffs"] = diffs
                w["pure_correctness"] = "equal" if same else f"different ({len(diffs)}, see below)"
            for r in w["tools"].values():
                r.pop("output", None)
            data["workloads"][name] = w
        prof_name = next((n for n in names if n in NATIVE_HEAVY), names[0])
        print(f"[{time.strftime('%H:%M:%S')}] profiling a warm run of {prof_name}", file=sys.stderr)
        try:
            data["profile"] = {"workload": prof_name, **profile_native(bench, WORKLOADS[prof_name])}
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            print(f"  profile failed: {exc}", file=sys.stderr)
        data["importtime"] = importtime(bench)
        data["lingered_ms"] = 1000 * max(LINGERED, default=0.0)
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "results.json").write_text(json.dumps(data, indent=1) + "\n")
        text = write_markdown(data)
        (RESULTS / "results.md").write_text(text)
        plot_script = work / "plot.py"
        plot_script.write_text(PLOT)
        sh(
            [
                str(tools_python),
                str(plot_script),
                str(RESULTS / "results.json"),
                str(RESULTS / "results.png"),
            ]
        )
        print(text)
    finally:
        if tmp is not None:
            tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
