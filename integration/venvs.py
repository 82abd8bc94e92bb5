"""Fresh venvs from Debian's /usr/bin/python3 with pip-native installed, as a user would."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SYSTEM_PYTHON = "/usr/bin/python3"


@dataclass(frozen=True)
class Venv:
    path: Path

    @property
    def python(self) -> str:
        return str(self.path / "bin" / "python")

    @property
    def pip_native(self) -> str:
        return str(self.path / "bin" / "pip-native")

    def run(
        self,
        *argv: str,
        env: dict[str, str] | None = None,
        check: bool = False,
        timeout: float = 1800,
    ) -> subprocess.CompletedProcess[str]:
        full_env = {**os.environ, **(env or {})}
        proc = subprocess.run(
            list(argv), capture_output=True, text=True, env=full_env, timeout=timeout, check=False
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"{argv} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
        return proc

    def site_packages(self) -> set[str]:
        """Names of what is installed in the venv itself (not the system's dist-packages)."""
        out = self.run(
            self.python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", check=True
        ).stdout.strip()
        return {p.name for p in Path(out).iterdir()}

    def pip_check(self) -> set[str]:
        """`pip check` problems, one per line (the system may already have some)."""
        out = self.run(self.python, "-m", "pip", "check").stdout
        return {line for line in out.splitlines() if line and not line.startswith("No broken")}

    def duplicates(self) -> dict[str, list[str]]:
        """Distributions found more than once on the venv's sys.path."""
        code = (
            "import json, importlib.metadata as m, collections\n"
            "seen = collections.defaultdict(list)\n"
            "for d in m.distributions():\n"
            "    seen[d.metadata['Name'].lower().replace('_', '-')].append(str(d.locate_file('')))\n"
            "print(json.dumps({k: v for k, v in seen.items() if len(v) > 1}))"
        )
        result: dict[str, list[str]] = json.loads(
            self.run(self.python, "-c", code, check=True).stdout
        )
        return result


def make_venv(path: Path, *, with_pip_native: bool, pip_version: str | None = None) -> Venv:
    """``/usr/bin/python3 -m venv --system-site-packages PATH`` (+ ``pip install <repo>``).

    ``pip_version`` (or ``$PIP_NATIVE_TEST_PIP``, set by the tox pip matrix) installs that
    pip into the venv first; ``latest`` means the newest release.
    """
    venv = Venv(path)
    venv.run(SYSTEM_PYTHON, "-m", "venv", "--system-site-packages", str(path), check=True)
    wanted = pip_version or os.environ.get("PIP_NATIVE_TEST_PIP")
    if wanted:
        spec = ["--upgrade", "pip"] if wanted == "latest" else [f"pip=={wanted}"]
        venv.run(
            venv.python,
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            *spec,
            check=True,
        )
    if with_pip_native:
        venv.run(
            venv.python,
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            str(REPO),
            check=True,
        )
    return venv


def dpkg_state() -> dict[str, str]:
    """Installed packages and versions, to prove a failed run changed nothing."""
    out = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Package}\t${Version}\t${db:Status-Abbrev}\n"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {line.split("\t")[0]: line for line in out.splitlines()}


def read_report(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def purge(packages: list[str]) -> None:
    """Remove what a test installed (exactly those packages), so runs stay repeatable."""
    if packages:
        subprocess.run(
            ["apt-get", "purge", "-y", "-q", *packages],
            capture_output=True,
            text=True,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
            check=False,
        )
