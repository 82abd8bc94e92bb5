"""Describe a Python interpreter as JSON; run *by* the target interpreter.

``python _probe.py PACKAGING_PARENT`` prints one JSON object to stdout. It must
run on any Python >= 3.8 with only the standard library on its own path; it
borrows the ``packaging`` library of the running pip-native (its parent
directory is the one argument) for tags and markers, added to ``sys.path``
only *after* the installed distributions were listed, so pip-native's own
environment never leaks into the answer.

pip's hook, whose target is the interpreter running pip, calls :func:`describe`
in its own process instead (see :func:`pip_native.environment.start_probe`).
"""

from __future__ import annotations

import email
import email.message
import json
import os
import sys
import sysconfig
from typing import Any


def _header_fields(dist: Any) -> email.message.Message:
    """The metadata's header fields, parsed once: the long description after them is not
    parsed (``dist.metadata`` parses all of it, again on every access of a field)."""
    # as importlib.metadata reads it; "" is an .egg-info that is a file, not a directory
    text = dist.read_text("METADATA") or dist.read_text("PKG-INFO") or dist.read_text("") or ""
    head = text.replace("\r\n", "\n").split("\n\n", 1)[0]
    return email.message_from_string(head + "\n")


def _distributions(paths: list[str]) -> list[dict[str, object]]:
    from importlib import metadata

    found: list[dict[str, object]] = []
    for dist in metadata.distributions(path=paths):
        fields = _header_fields(dist)
        name = fields["Name"]
        if not name:
            continue
        location = str(dist.locate_file(""))
        path = getattr(dist, "_path", None)
        installer = (dist.read_text("INSTALLER") or "").strip()
        wheel = dist.read_text("WHEEL")
        pure = None
        if wheel:  # installed from a wheel: pure when every tag is *-none-any
            tags = [
                line.split(":", 1)[1].strip()
                for line in wheel.splitlines()
                if line.startswith("Tag:")
            ]
            pure = bool(tags) and all(t.endswith("-none-any") for t in tags)
        requires = fields.get_all("Requires-Dist")
        if requires is None:  # an .egg-info directory keeps them in requires.txt
            requires = dist.requires
        found.append(
            {
                "name": name,
                "version": fields["Version"],
                "location": os.path.realpath(location),
                "metadata_dir": os.path.realpath(str(path)) if path else None,
                "installer": installer,
                "pure": pure,
                "requires": list(requires or []),
                "requires_python": fields["Requires-Python"],
            }
        )
    return found


def describe(paths: list[str], dists: list[dict[str, object]] | None = None) -> dict[str, Any]:
    """The description of the running interpreter, with the distributions ``dists``
    (default: those found on ``paths``, its ``sys.path`` without the entry of the program
    it runs). ``packaging`` must be importable by now."""
    if dists is None:
        dists = _distributions(paths)
    from packaging import markers, tags

    marker_env = markers.default_environment()
    import site

    user_site = site.getusersitepackages() if site.ENABLE_USER_SITE else None
    stdlib = sysconfig.get_path("stdlib")
    marker_file = os.path.join(stdlib, "EXTERNALLY-MANAGED")
    cfg = os.path.join(sys.prefix, "pyvenv.cfg")
    system_site = False
    if os.path.isfile(cfg):
        with open(cfg, encoding="utf-8") as fh:
            for line in fh:
                key, _, value = line.partition("=")
                if key.strip().lower() == "include-system-site-packages":
                    system_site = value.strip().lower() == "true"
    return {
        "executable": sys.executable,
        "base_executable": getattr(sys, "_base_executable", sys.executable),
        "version": ".".join(str(v) for v in sys.version_info[:3]),
        "implementation": sys.implementation.name,
        "prefix": sys.prefix,
        "base_prefix": sys.base_prefix,
        "is_venv": sys.prefix != sys.base_prefix,
        "system_site_packages": system_site,
        "purelib": sysconfig.get_path("purelib"),
        "platlib": sysconfig.get_path("platlib"),
        "sys_path": paths,
        "user_site": user_site,
        "externally_managed": marker_file if os.path.isfile(marker_file) else None,
        "markers": marker_env,
        "tags": [str(t) for t in tags.sys_tags()],
        "distributions": dists,
    }


def main() -> None:
    paths = [p for p in sys.path[1:] if p]  # [0] is this script's directory
    found = _distributions(paths)  # before pip-native's packaging joins sys.path
    sys.path.insert(0, sys.argv[1])
    print(json.dumps(describe(paths, found)))


if __name__ == "__main__":
    main()
