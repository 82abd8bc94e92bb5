"""The LocalIndex test fixture itself: real wheels, consistent pages, installable by pip."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import tarfile
import urllib.request
import zipfile
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from localindex import LocalIndex


def test_wheel_contents_and_record_hashes(local_index: LocalIndex) -> None:
    wheel = local_index.add_wheel(
        "My.Project", "1.0.0", requires=["attrs>=1"], requires_python=">=3.8", extras=["x"]
    )
    assert wheel.name == "my_project-1.0.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        assert names == {
            "my_project.py",
            "my_project-1.0.0.dist-info/METADATA",
            "my_project-1.0.0.dist-info/WHEEL",
            "my_project-1.0.0.dist-info/RECORD",
        }
        metadata = archive.read("my_project-1.0.0.dist-info/METADATA").decode()
        assert "Name: My.Project\n" in metadata and "Requires-Dist: attrs>=1\n" in metadata
        assert "Requires-Python: >=3.8\n" in metadata and "Provides-Extra: x\n" in metadata
        assert "Root-Is-Purelib: true" in archive.read("my_project-1.0.0.dist-info/WHEEL").decode()
        for line in archive.read("my_project-1.0.0.dist-info/RECORD").decode().splitlines():
            path, digest, size = line.split(",")
            if path.endswith("RECORD"):
                assert digest == size == ""
                continue
            data = archive.read(path)
            expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            assert digest == "sha256=" + expected.decode() and int(size) == len(data)


def test_custom_files_and_platform_tag(local_index: LocalIndex) -> None:
    wheel = local_index.add_wheel(
        "native", "2.0", tag="cp311-cp311-manylinux_2_17_x86_64", files={"native/__init__.py": ""}
    )
    with zipfile.ZipFile(wheel) as archive:
        assert "native/__init__.py" in archive.namelist()
        assert "Root-Is-Purelib: false" in archive.read("native-2.0.dist-info/WHEEL").decode()
    sdist = local_index.add_sdist("native", "2.0")
    with tarfile.open(sdist) as archive:
        assert "native-2.0/PKG-INFO" in archive.getnames()


def test_build_writes_consistent_pages_and_metadata_files(local_index: LocalIndex) -> None:
    local_index.add_wheel("demo", "1.0", yanked="")
    local_index.add_wheel("demo", "1.1", metadata_file=False)
    local_index.add_sdist("demo", "1.1")
    local_index.build()
    page = json.loads((local_index.simple_dir / "demo" / "index.json").read_text())
    html = (local_index.simple_dir / "demo" / "index.html").read_text()
    assert [f["filename"] for f in page["files"]] == [
        "demo-1.0-py3-none-any.whl",
        "demo-1.1-py3-none-any.whl",
        "demo-1.1.tar.gz",
    ]
    for entry in page["files"]:
        data = (local_index.files_dir / entry["filename"]).read_bytes()
        assert entry["hashes"]["sha256"] == hashlib.sha256(data).hexdigest()
        assert f"#sha256={entry['hashes']['sha256']}" in html
    assert page["files"][0]["yanked"] is True and page["files"][1]["yanked"] is False
    assert "core-metadata" in page["files"][0] and "core-metadata" not in page["files"][1]
    metadata = (local_index.files_dir / "demo-1.0-py3-none-any.whl.metadata").read_bytes()
    assert page["files"][0]["core-metadata"]["sha256"] == hashlib.sha256(metadata).hexdigest()
    assert not (local_index.files_dir / "demo-1.1-py3-none-any.whl.metadata").exists()
    assert 'href="demo/"' in (local_index.simple_dir / "index.html").read_text()


def test_server_negotiates_and_counts(local_index: LocalIndex) -> None:
    local_index.add_wheel("demo", "1.0")
    local_index.build()
    with local_index.serve() as url:
        request = urllib.request.Request(url + "/demo/", headers={"Accept": "text/html"})
        with urllib.request.urlopen(request) as response:
            assert response.headers["Content-Type"].startswith("text/html")
        request = urllib.request.Request(
            url + "/demo", headers={"Accept": "application/vnd.pypi.simple.v1+json"}
        )
        with urllib.request.urlopen(request) as response:  # follows the 301 to /demo/
            assert json.load(response)["name"] == "demo"
    assert local_index.requests["/simple/demo/"] == 2
    assert local_index.requests["/simple/demo"] == 1
    assert local_index.pages_served == {"html": 1, "json": 1}


def test_real_pip_installs_from_the_served_index(local_index: LocalIndex, tmp_path: Path) -> None:
    local_index.add_wheel("demo", "1.0", requires=["dep>=1.0"])
    local_index.add_wheel("dep", "1.2")
    local_index.add_wheel("dep", "0.9")
    local_index.build()
    target = tmp_path / "target"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1")
    with local_index.serve() as url:
        subprocess.run(
            [
                *(sys.executable, "-m", "pip", "install", "--quiet", "--no-cache-dir"),
                *("--index-url", url, "--target", str(target), "demo"),
            ],
            env=env,
            check=True,
            capture_output=True,
            timeout=120,
        )
    check = "import demo, dep; print(demo.__version__, dep.__version__)"
    out = subprocess.run(
        [sys.executable, "-c", check],
        env={**env, "PYTHONPATH": str(target)},
        check=True,
        capture_output=True,
        text=True,
    )
    assert out.stdout.split() == ["1.0", "1.2"]
    assert local_index.requests["/files/dep-1.2-py3-none-any.whl"] == 1
