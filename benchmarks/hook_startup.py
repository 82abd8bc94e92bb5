"""What the pip hook costs at every interpreter start.

Builds three venvs from the same Python: one without pip-native, one with it
(the hook's .pth active), and measures in the same run

- the wall time of ``python -c pass`` (median of many runs, interleaved), with
  the hook, with it installed but off (``PIP_NATIVE_DISABLE=1``), and without
  pip-native at all;
- ``python -X importtime -c pass``: the import time of ``_pip_native_hook`` itself.

Usage: ``python benchmarks/hook_startup.py [--runs 200] [--python /usr/bin/python3]``.
Writes ``benchmarks/results/hook_startup.md`` and prints it.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"


def make_venv(path: Path, python: str, *, with_pip_native: bool) -> Path:
    subprocess.run([python, "-m", "venv", str(path)], check=True)
    exe = path / "bin" / "python"
    if with_pip_native:
        subprocess.run(
            [str(exe), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(REPO)],
            check=True,
        )
        # Byte-compile like a normal install does, so start-up reads a .pyc.
        subprocess.run([str(exe), "-m", "compileall", "-q", str(path / "lib")], check=False)
    return exe


def wall(exe: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([str(exe), "-c", "pass"], env=env, check=True)
    return time.perf_counter() - start


def hook_import_us(exe: Path, runs: int) -> float:
    pattern = re.compile(r"import time:\s+(\d+) \|\s+\d+ \|\s+_pip_native_hook$")
    values = []
    for _ in range(runs):
        err = subprocess.run(
            [str(exe), "-X", "importtime", "-c", "pass"], capture_output=True, text=True, check=True
        ).stderr
        found = [int(m.group(1)) for line in err.splitlines() if (m := pattern.search(line))]
        if not found:
            raise SystemExit("the hook was not imported at start-up: is the .pth installed?")
        values.append(found[0])
    return statistics.median(values)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--python", default=sys.executable)
    args = parser.parse_args()
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_NATIVE")}
    with tempfile.TemporaryDirectory() as tmp:
        plain = make_venv(Path(tmp) / "plain", args.python, with_pip_native=False)
        hooked = make_venv(Path(tmp) / "hooked", args.python, with_pip_native=True)
        cases = {
            "without pip-native": (plain, base_env),
            "pip-native, hook off (PIP_NATIVE_DISABLE=1)": (
                hooked,
                {**base_env, "PIP_NATIVE_DISABLE": "1"},
            ),
            "pip-native, hook on": (hooked, base_env),
        }
        times: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(args.runs):  # interleaved, so drift hits every case alike
            for name, (exe, env) in cases.items():
                times[name].append(wall(exe, env))
        import_us = hook_import_us(hooked, min(args.runs, 50))
    medians = {name: statistics.median(values) * 1000 for name, values in times.items()}
    base = medians["without pip-native"]
    target_version = subprocess.run(
        [args.python, "-c", "import sys; print(sys.version.split()[0])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    lines = [
        "# Interpreter start-up with the pip hook",
        "",
        f"Python {target_version} (`{args.python}`), {args.runs} interleaved runs of `python -c pass` per case.",
        "",
        "| case | median start-up | difference | ratio |",
        "|---|---|---|---|",
    ]
    for name, value in medians.items():
        lines.append(f"| {name} | {value:.2f} ms | {value - base:+.2f} ms | {value / base:.3f} |")
    lines += [
        "",
        f"`-X importtime`: `_pip_native_hook` imports in a median {import_us:.0f} µs.",
        "",
    ]
    text = "\n".join(lines)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "hook_startup.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
