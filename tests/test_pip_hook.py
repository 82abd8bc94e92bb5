"""The pip hook: start-up line, one-shot finder, InstallCommand patching and passthrough rules.

Real pip runs (several pip versions, real apt) are in integration/test_pip_hook.py;
here the hook is exercised against this venv's own pip and against a stand-in module.
"""

from __future__ import annotations

import optparse
import os
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from pip_native import pip_hook

SRC = Path(__file__).resolve().parent.parent / "src"


def python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("PIP_NATIVE")}
    full.update(PYTHONPATH=str(SRC), **env)
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=full, check=False
    )


PTH_LINE = (SRC / "pip_native_hook.pth").read_text()


def test_pth_line_installs_the_finder_unless_disabled() -> None:
    code = (
        PTH_LINE
        + "\nimport sys; print(any(getattr(f, '__name__', '') == '_Finder' for f in sys.meta_path))"
    )
    assert python(code).stdout.strip() == "True"
    assert python(code, PIP_NATIVE_DISABLE="1").stdout.strip() == "False"


def test_pth_line_is_silent_when_the_hook_module_is_gone(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}  # no _pip_native_hook on the path
    proc = subprocess.run(
        [sys.executable, "-c", PTH_LINE], capture_output=True, text=True, env=env, check=False
    )
    assert proc.returncode == 0 and proc.stderr == ""


def test_real_pip_install_command_gains_the_options() -> None:
    code = (
        "import _pip_native_hook; _pip_native_hook.install()\n"
        "from pip._internal.commands import create_command\n"
        "cmd = create_command('install')\n"
        "opts, _ = cmd.parse_args(['--native-from=apt', '--native-mapping', 'm.toml', 'x'])\n"
        "print(opts.native_from, opts.native_mapping, cmd.parser.get_option('--native-use-sudo') is not None)\n"
        "import sys; print(any(getattr(f, '__name__', '') == '_Finder' for f in sys.meta_path))"
    )
    proc = python(code)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == [
        "apt",
        "['m.toml']",
        "True",
        "False",
    ]  # patched once, finder gone


def test_environment_variable_reaches_the_option_through_pips_parser() -> None:
    code = (
        "import _pip_native_hook; _pip_native_hook.install()\n"
        "from pip._internal.commands import create_command\n"
        "print(create_command('install').parse_args(['x'])[0].native_from)"
    )
    assert python(code, PIP_NATIVE_FROM="conda").stdout.strip() == "conda"
    # any value parses (validated only when installing), and other commands never see it
    assert python(code, PIP_NATIVE_FROM="not-a-backend").stdout.strip() == "not-a-backend"
    listing = python(
        "import _pip_native_hook; _pip_native_hook.install()\n"
        "from pip._internal.cli.main import main; main(['list', '--format=freeze'])",
        PIP_NATIVE_FROM="not-a-backend",
    )
    assert listing.returncode == 0 and "pytest==" in listing.stdout


class FakeInstall:
    """A stand-in for pip's InstallCommand: records what run() received."""

    def __init__(self) -> None:
        self.parser = optparse.OptionParser()
        self.cmd_opts = optparse.OptionGroup(self.parser, "Install Options")
        self.parser.add_option_group(self.cmd_opts)
        self.ran: list[list[str]] = []

    def add_options(self) -> None:
        self.cmd_opts.add_option(optparse.Option("--target", dest="target_dir"))

    def run(self, options: optparse.Values, args: list[str]) -> int:
        self.ran.append(args)
        return 0


def patched_module() -> types.ModuleType:
    module = types.ModuleType("fake_install")
    module.InstallCommand = type("InstallCommand", (FakeInstall,), {})  # type: ignore[attr-defined]
    pip_hook.patch_install_module(module)
    return module


def test_patching_is_idempotent_and_passes_through_without_the_flag(mocker: Any) -> None:
    module = patched_module()
    run = module.InstallCommand.run
    pip_hook.patch_install_module(module)
    assert module.InstallCommand.run is run  # not wrapped twice
    split = mocker.patch.object(pip_hook, "_split_install", return_value=0)
    cmd = module.InstallCommand()
    cmd.add_options()
    options, args = cmd.parser.parse_args(["six"])
    assert cmd.run(options, args) == 0
    assert cmd.ran == [["six"]] and not split.called  # stock behaviour


@pytest.mark.parametrize(
    ("argv", "env", "split"),
    [
        (["--native-from=apt", "six"], {}, True),
        (["--native-from=none", "six"], {}, False),
        (["--native-from=apt", "--target", "/t", "six"], {}, False),
        (["--native-from=apt", "six"], {"PIP_BUILD_TRACKER": "/tmp/tracker"}, True),
    ],
)
def test_when_the_split_install_runs(
    argv: list[str], env: dict[str, str], split: bool, mocker: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    module = patched_module()
    splitter = mocker.patch.object(pip_hook, "_split_install", return_value=0)
    leave = mocker.patch.object(pip_hook, "leave_to_exit")
    cmd = module.InstallCommand()
    cmd.add_options()
    options, args = cmd.parser.parse_args(argv)
    cmd.run(options, args)
    assert splitter.called is split
    assert bool(cmd.ran) is not split
    assert leave.called is split  # pip-native's work done, pip exits next


def test_build_isolation_subprocess_passes_through(
    mocker: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIP_BUILD_TRACKER", "/tmp/tracker")
    options = optparse.Values(
        {"native_from": "apt", "prefix_path": "/overlay", "target_dir": None, "root_path": None}
    )
    assert not pip_hook._wants_split_install(options)


def test_a_pip_without_install_command_methods_is_left_alone(
    capsys: pytest.CaptureFixture[str],
) -> None:
    module = types.ModuleType("fake_install")
    module.InstallCommand = type("InstallCommand", (), {})  # type: ignore[attr-defined]
    pip_hook._WARNED.clear()
    pip_hook.patch_install_module(module)
    assert not hasattr(module.InstallCommand, "_pip_native_patched")
    assert "--native-from is unavailable" in capsys.readouterr().err


def test_every_added_option_has_its_environment_variable() -> None:
    code = (
        "import _pip_native_hook; _pip_native_hook.install()\n"
        "from pip._internal.commands import create_command\n"
        "o = create_command('install').parse_args(['x'])[0]\n"
        "print(o.native_mapping, bool(o.native_use_sudo))"
    )
    out = python(code, PIP_NATIVE_MAPPING="a.toml b.toml", PIP_NATIVE_USE_SUDO="yes").stdout.strip()
    assert out == "['a.toml', 'b.toml'] True"


@pytest.mark.parametrize(
    ("argv", "environ", "source"),
    [
        (["--native-from=apt", "x"], {"PIP_NATIVE_FROM": "conda"}, "--native-from"),
        (["--native-from", "apt", "x"], {}, "--native-from"),
        (["--native-f=apt", "x"], {}, "--native-from"),
        (["x"], {"PIP_NATIVE_FROM": "apt"}, "PIP_NATIVE_FROM"),
        (["x"], {"PIP_NATIVE_FROM": " "}, "pip configuration: native-from"),
        (["--native-mapping=m.toml", "x"], {}, "pip configuration: native-from"),
        (["--", "--native-from=apt"], {}, "pip configuration: native-from"),
    ],
)
def test_the_header_says_where_native_from_came_from(
    argv: list[str], environ: dict[str, str], source: str
) -> None:
    assert pip_hook.native_from_source(argv, environ) == source


def test_the_backends_work_ahead_starts_with_the_probe_and_always_stops(mocker: Any) -> None:
    """apt's universe starts as the hook starts, before its imports; it is stopped however
    planning ends."""
    from pip_native.native import registry

    log: list[str] = []

    def start(name: str | None) -> Any:
        log.append(f"start {name}")
        return lambda: log.append("stop")

    mocker.patch.object(registry, "start_ahead", start)
    mocker.patch("pip_native.environment.start_probe", return_value=None)
    inner = mocker.patch.object(pip_hook, "_plan_and_install", return_value=0)
    options = optparse.Values({"native_from": "apt"})
    session = object()

    class Command:
        def get_default_session(self, given: optparse.Values) -> object:
            assert given is options
            return session

    command = Command()
    assert pip_hook._split_install_unlocked(command, lambda *a: 0, options, ["flask"]) == 0
    assert log == ["start apt", "stop"]
    assert inner.call_args.args[3] == ["flask"]
    assert inner.call_args.args[6].result(timeout=10) is session  # pip's, made in a thread
    inner.side_effect = KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        pip_hook._split_install_unlocked(command, lambda *a: 0, options, [])
    assert log == ["start apt", "stop", "start apt", "stop"]


@pytest.mark.parametrize(
    ("argv", "environ", "expected"),
    [
        (["install", "--native-from=apt", "flask"], {}, "apt"),
        (["install", "flask", "--native-from", "APT"], {}, "apt"),
        (["install", "--native-f=apt", "flask"], {}, "apt"),  # optparse takes abbreviations
        (["-q", "--cache-dir", "/tmp/c", "install", "--native-from=apt", "x"], {}, "apt"),
        (["install", "flask"], {"PIP_NATIVE_FROM": "apt"}, "apt"),
        (["install", "--native-from=none", "x"], {"PIP_NATIVE_FROM": "apt"}, None),
        (["install", "--native-from=conda", "x"], {}, None),
        (["install", "flask"], {}, None),  # maybe pip.conf: not read here
        (["download", "--native-from=apt", "x"], {}, None),
        (["--cache-dir", "install", "install", "--native-from=apt"], {}, "apt"),
        (["--python", "/other/python", "install", "--native-from=apt", "x"], {}, None),
        (["install", "--native-from=apt", "--python=/other/python", "x"], {}, None),
        (["install", "--native-from=apt", "--target", "dir", "x"], {}, None),
        (["install", "--native-from=apt", "-tdir", "x"], {}, None),
        (["install", "--native-from=apt", "--prefix=/p", "x"], {}, None),
        (["install", "--native-from=apt", "--root", "/r", "x"], {}, None),
        (["install", "--native-from=apt", "--user", "x"], {}, None),
        (["install", "--native-from=apt", "--pref=/p", "x"], {}, None),
        (["install", "--pre", "--root-user-action=ignore", "--native-from=apt", "x"], {}, "apt"),
        (["install", "--", "--native-from=apt"], {}, None),
        (["install", "--native-from=apt", "x"], {"PIP_BUILD_TRACKER": "/tmp/t"}, None),
        ([], {"PIP_NATIVE_FROM": "apt"}, None),
    ],
)
def test_the_work_ahead_that_can_start_when_pip_starts(
    argv: list[str], environ: dict[str, str], expected: str | None
) -> None:
    """Read from pip's arguments before pip has parsed them: a command that may not be
    a split install with apt starts nothing."""
    assert pip_hook.early_backend(argv, environ) == expected


def test_pip_starting_starts_the_work_ahead_once(mocker: Any) -> None:
    import _pip_native_hook

    started = mocker.patch.object(pip_hook, "start_early")
    mocker.patch.object(_pip_native_hook, "_STARTED", [])
    mocker.patch.object(sys, "argv", ["pip", "install", "--native-from=apt", "flask"])
    for _ in range(2):
        assert _pip_native_hook._Finder.find_spec("pip._internal.cli.main") is None
    started.assert_called_once_with(["install", "--native-from=apt", "flask"], os.environ)
    started.side_effect = RuntimeError("broken")  # never reaches pip
    mocker.patch.object(_pip_native_hook, "_STARTED", [])
    assert _pip_native_hook._Finder.find_spec("pip._internal.cli.main") is None
    assert started.call_count == 2
    # a pip command that asks nothing of pip-native does not even import the hook's module
    mocker.patch.object(_pip_native_hook, "_STARTED", [])
    mocker.patch.object(sys, "argv", ["pip", "list"])
    mocker.patch.dict(os.environ, {"PIP_NATIVE_FROM": ""})
    assert _pip_native_hook._Finder.find_spec("pip._internal.cli.main") is None
    assert started.call_count == 2
