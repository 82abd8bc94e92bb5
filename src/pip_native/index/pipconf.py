"""Reading pip's own configuration (files, sections, ``PIP_*`` variables) in pip's order."""

from __future__ import annotations

import configparser
import locale
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pip_native.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "CONFIG_BASENAME",
    "pip_config_files",
    "read_pip_options",
    "strtobool",
]

CONFIG_BASENAME = "pip.conf"

#: ``PIP_VERSION`` and ``PIP_HELP`` are not options (pip ignores them too).
_ENV_NAMES_IGNORED = ("version", "help")

#: Unix: pip always reads ``/etc/pip.conf`` after the XDG config dirs. Patched in tests.
SYSTEM_CONFIG_DIR = "/etc"


def _normalize_name(name: str) -> str:
    """pip's key normalisation: lower case, ``_`` → ``-``, no leading ``--``."""
    name = name.lower().replace("_", "-")
    return name[2:] if name.startswith("--") else name


def _home(environ: Mapping[str, str]) -> Path:
    return Path(environ.get("HOME") or Path("~").expanduser())


def _user_config_dir(environ: Mapping[str, str], platform: str) -> Path:
    home = _home(environ)
    if platform == "darwin":
        path = home / "Library" / "Application Support" / "pip"
        return path if path.is_dir() else home / ".config" / "pip"
    base = environ.get("XDG_CONFIG_HOME", "").strip()
    return (Path(base).expanduser() if base else home / ".config") / "pip"


def _site_config_dirs(environ: Mapping[str, str], platform: str) -> list[Path]:
    if platform == "darwin":
        return [Path("/Library/Application Support/pip")]
    dirs = environ.get("XDG_CONFIG_DIRS", "").strip() or "/etc/xdg"
    found = [Path(d).expanduser() / "pip" for d in dirs.split(os.pathsep)]
    return [*found, Path(SYSTEM_CONFIG_DIR)]


def pip_config_files(
    environ: Mapping[str, str] | None = None,
    *,
    isolated: bool = False,
    platform: str | None = None,
) -> list[tuple[str, Path]]:
    """The configuration files pip would read, as ``(kind, path)``, lowest priority first.

    Mirrors ``pip._internal.configuration``: *global* (XDG config dirs, then
    ``/etc``), *user* (legacy ``~/.pip``, then ``~/.config/pip``; skipped when
    isolated or when ``PIP_CONFIG_FILE`` names an existing file), *base*
    (``sys.base_prefix``), *site* (``sys.prefix``), then *env*
    (``PIP_CONFIG_FILE``). ``PIP_CONFIG_FILE=os.devnull`` disables all files.
    Like pip, ``PIP_CONFIG_FILE`` is honoured even when isolated.
    """
    env = os.environ if environ is None else environ
    plat = sys.platform if platform is None else platform
    config_file = env.get("PIP_CONFIG_FILE")
    if config_file == os.devnull:
        return []
    files = [("global", d / CONFIG_BASENAME) for d in _site_config_dirs(env, plat)]
    if not isolated and not (config_file and Path(config_file).exists()):
        files.append(("user", _home(env) / ".pip" / CONFIG_BASENAME))
        files.append(("user", _user_config_dir(env, plat) / CONFIG_BASENAME))
    files.append(("base", Path(sys.base_prefix) / CONFIG_BASENAME))
    files.append(("site", Path(sys.prefix) / CONFIG_BASENAME))
    if config_file is not None:
        files.append(("env", Path(config_file)))
    return files


def _read_file(path: Path) -> dict[str, dict[str, str]]:
    """Sections of one config file, keys normalised; {} if the file does not exist."""
    if not path.exists():
        return {}
    parser = configparser.RawConfigParser()
    encoding = locale.getpreferredencoding(False)
    try:
        parser.read(path, encoding=encoding)
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"pip configuration file {path} contains invalid {encoding} characters.",
            hint="Fix or remove the file, or set PIP_CONFIG_FILE=/dev/null to ignore "
            "pip's configuration.",
        ) from exc
    except configparser.Error as exc:
        raise ConfigError(
            f"pip configuration file {path} cannot be parsed: {exc}",
            hint="Fix the file's INI syntax (see `pip config debug`).",
        ) from exc
    return {
        section: {_normalize_name(k): v for k, v in parser.items(section)}
        for section in parser.sections()
    }


def read_pip_options(
    environ: Mapping[str, str] | None = None,
    *,
    isolated: bool = False,
    command: str = "install",
    platform: str | None = None,
) -> list[tuple[str, str]]:
    """pip's configuration items as ``(option, raw value)``, in the order pip applies them.

    Files are merged first (a later file replaces a key of the same section,
    an empty value removes it), then items are yielded by section:
    ``[global]``, ``[<command>]``, then ``PIP_*`` variables (skipped when
    isolated). Apply them in order; the last one for an option wins.
    """
    env = os.environ if environ is None else environ
    sections: dict[str, dict[str, str]] = {"global": {}, command: {}, ":env:": {}}
    for _kind, path in pip_config_files(env, isolated=isolated, platform=platform):
        for section, items in _read_file(path).items():
            if section in sections:
                sections[section].update(items)
    if not isolated:
        for key, value in env.items():
            if key.startswith("PIP_") and key[4:].lower() not in _ENV_NAMES_IGNORED:
                sections[":env:"][_normalize_name(key[4:])] = value
    ordered: list[tuple[str, str]] = []
    for section in ("global", command, ":env:"):
        ordered.extend((k, v) for k, v in sections[section].items() if v)
    return ordered


def strtobool(value: str) -> bool:
    """pip's boolean parsing for options such as ``no-index = yes``."""
    lowered = value.strip().lower()
    if lowered in ("y", "yes", "t", "true", "on", "1"):
        return True
    if lowered in ("n", "no", "f", "false", "off", "0"):
        return False
    raise ValueError(f"invalid truth value {value!r}")
