"""The README scenario against the real Debian archive and the real package indexes.

``pip-native install --native-from=apt scikit-learn requests`` in a fresh
``--system-site-packages`` venv: scikit-learn, numpy, scipy (and what
python3-sklearn brings) from apt, requests and its pure dependencies as
wheels. The packages this test installs are purged at the end.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from venvs import Venv, dpkg_state, make_venv, purge, read_report


def _skip_reason() -> str | None:
    if os.geteuid() != 0:
        return "needs root: installs python3-sklearn with apt"
    if shutil.which("apt-cache") is None:
        return "not a Debian-like system (no apt-cache)"
    policy = subprocess.run(
        ["apt-cache", "policy", "python3-sklearn"], capture_output=True, text=True, check=False
    ).stdout
    if "Candidate: (none)" in policy or not policy.strip():
        return "apt knows no python3-sklearn: run apt-get update first (the test never does)"
    return None


pytestmark = pytest.mark.skipif(_skip_reason() is not None, reason=_skip_reason() or "")


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Venv:
    return make_venv(tmp_path_factory.mktemp("archive") / "venv", with_pip_native=True)


def test_scikit_learn_and_requests_end_to_end(venv: Venv, tmp_path: Path) -> None:
    already = {"python3-sklearn"} & {k for k, v in dpkg_state().items() if "\tii" in v}

    # 1. A pure requirement that contradicts the system version: clear error, nothing changed.
    before, site_before = dpkg_state(), venv.site_packages()
    bad = venv.run(venv.pip_native, "install", "--native-from=apt", "scikit-learn", "numpy>=2")
    assert bad.returncode == 1
    assert "numpy>=2 (required by you)" in bad.stderr
    assert "python3-numpy 1:1.24" in bad.stderr
    assert dpkg_state() == before and venv.site_packages() == site_before

    # 2. The scenario, as the README has it.
    problems_before, dups_before = venv.pip_check(), venv.duplicates()
    report_path = tmp_path / "report.json"
    run = venv.run(
        venv.pip_native,
        "install",
        "--native-from=apt",
        "scikit-learn",
        "requests",
        "--report",
        str(report_path),
    )
    report = read_report(report_path)
    installed = report["pip_native"]["result"].get("native_packages_installed", [])
    try:
        assert run.returncode == 0, run.stderr
        rows = {r["name"]: r for r in report["pip_native"]["plan"]}
        for name in ("scikit-learn", "numpy", "scipy", "joblib", "threadpoolctl"):
            assert rows[name]["source"] in ("apt", "installed"), rows[name]
        if not already:
            assert report["native"]["command"] == [
                "apt-get",
                "-o",
                "DPkg::Lock::Timeout=120",
                "install",
                "-y",
                "--no-install-recommends",
                "python3-sklearn",
            ]
        where = venv.run(
            venv.python,
            "-c",
            "import sklearn, numpy, requests;"
            "print(sklearn.__file__, numpy.__file__, requests.__file__)",
            check=True,
        ).stdout.split()
        assert where[0].startswith("/usr/lib/python3/dist-packages/sklearn")
        assert where[1].startswith("/usr/lib/python3/dist-packages/numpy")
        assert venv.pip_check() <= problems_before
        assert venv.duplicates() == dups_before

        # 3. Another fresh venv as the target (--python): the pure side really comes from PyPI.
        target = make_venv(tmp_path / "target", with_pip_native=False)
        second = tmp_path / "second.json"
        run2 = venv.run(
            venv.pip_native,
            "install",
            "--python",
            target.python,
            "--native-from=apt",
            "scikit-learn",
            "requests",
            "--report",
            str(second),
        )
        assert run2.returncode == 0, run2.stderr
        wheels = {e["metadata"]["name"].lower() for e in read_report(second)["install"]}
        assert wheels == {"requests", "urllib3", "idna", "certifi", "charset-normalizer"}
        assert read_report(second)["native"] is None  # python3-sklearn is installed by now
        target.run(target.python, "-c", "import sklearn, requests", check=True)
        assert {"requests", "urllib3", "idna", "certifi"} <= {
            n.split("-")[0].lower() for n in target.site_packages() if n.endswith(".dist-info")
        }
    finally:
        if not already:
            purge(installed)


def _installed_by(report_path: Path) -> list[str]:
    if not report_path.exists():
        return []
    result = read_report(report_path)["pip_native"].get("result", {})
    return list(result.get("native_packages_installed", []))


def test_pip_install_native_from_apt_scikit_learn(tmp_path: Path) -> None:
    """The pip form, as the README shows first: pip install --native-from=apt scikit-learn."""
    venv = make_venv(tmp_path / "venv", with_pip_native=True)
    report_path = tmp_path / "r.json"
    run = venv.run(
        venv.python,
        "-m",
        "pip",
        "install",
        "--native-from=apt",
        "scikit-learn",
        "--report",
        str(report_path),
    )
    installed = _installed_by(report_path)
    try:
        assert run.returncode == 0, run.stderr
        where = venv.run(venv.python, "-c", "import sklearn; print(sklearn.__file__)", check=True)
        assert where.stdout.startswith("/usr/lib/python3/dist-packages/sklearn")
        assert read_report(report_path)["pip_native"]["result"]["status"] == "installed"
    finally:
        purge(installed)


def test_pip_config_native_from_then_plain_pip_install_matplotlib(tmp_path: Path) -> None:
    """pip config set install.native-from apt && pip install matplotlib (venv-level config)."""
    venv = make_venv(tmp_path / "venv", with_pip_native=True)
    venv.run(
        venv.python,
        "-m",
        "pip",
        "config",
        "--site",
        "set",
        "install.native-from",
        "apt",
        check=True,
    )
    problems_before, dups_before = venv.pip_check(), venv.duplicates()
    report_path = tmp_path / "r.json"
    run = venv.run(venv.python, "-m", "pip", "install", "matplotlib", "--report", str(report_path))
    installed = _installed_by(report_path)
    try:
        assert run.returncode == 0, run.stderr
        assert "python3-matplotlib" in read_report(report_path)["native"]["requested"]
        where = venv.run(
            venv.python, "-c", "import matplotlib; print(matplotlib.__file__)", check=True
        )
        assert where.stdout.startswith("/usr/lib/python3/dist-packages/matplotlib")
        assert venv.pip_check() <= problems_before
        # The only new duplicates are pure venv copies the plan announced (pip-native's own
        # dependency 'packaging' shadows python3-packaging, which matplotlib brings).
        warnings = " ".join(read_report(report_path)["pip_native"]["warnings"])
        for name in set(venv.duplicates()) - set(dups_before):
            assert f"the venv's pure {name}" in warnings, (name, warnings)
    finally:
        purge(installed)


def test_local_project_with_an_external_table_installs_for_real(tmp_path: Path) -> None:
    """PEP 725: the project's runtime library (libopenblas0) comes from apt in the same plan."""
    project = tmp_path / "sample"
    (project / "pntest_sample").mkdir(parents=True)
    (project / "pntest_sample" / "__init__.py").write_text('__version__ = "1.0"\n')
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n'
        '[project]\nname = "pntest-sample"\nversion = "1.0"\ndependencies = ["idna>=3"]\n\n'
        '[external]\ndependencies = ["dep:generic/openblas"]\n'
    )
    already = "\tii" in dpkg_state().get("libopenblas0", "")
    venv = make_venv(tmp_path / "venv", with_pip_native=True)
    report_path = tmp_path / "r.json"
    run = venv.run(
        venv.pip_native, "install", "--native-from=apt", str(project), "--report", str(report_path)
    )
    installed = _installed_by(report_path)
    try:
        assert run.returncode == 0, run.stderr
        report = read_report(report_path)
        assert report["pip_native"]["external"][0]["packages"] == ["libopenblas0"]
        if not already:
            assert report["native"]["requested"] == ["libopenblas0"]
            assert "libopenblas0" in installed
        assert "\tii" in dpkg_state()["libopenblas0"]
        venv.run(venv.python, "-c", "import pntest_sample, idna", check=True)
    finally:
        purge(installed)
