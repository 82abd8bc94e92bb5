"""``pip install --native-from=…`` inside stock pip: the only module that touches ``pip._internal``.

:mod:`_pip_native_hook` calls :func:`wrapped_spec` when pip imports
``pip._internal.commands.install``. The module then runs as usual, and
:func:`patch_install_module` wraps ``InstallCommand``:

- ``add_options`` gains ``--native-from`` (any string; validated only when
  installing, so a bad ``PIP_NATIVE_FROM`` never breaks other pip commands)
  and ``--native-use-sudo``. pip's own option parser then reads
  ``PIP_NATIVE_FROM`` and ``native-from =`` in pip.conf.
- ``run`` passes straight through unless ``--native-from`` names a backend,
  and always for ``--target``/``--prefix``/``--root`` and pip's build-isolation
  subprocesses. Otherwise it plans with pip-native (pip's own session and
  index options), runs the native step, then calls pip's original ``run``
  once with the exact pinned pure wheels (``--no-deps``, hashes).

Every pip internal used is feature-detected; when something is missing pip
stays stock and a warning is printed once.
"""

from __future__ import annotations

import importlib.abc
import optparse
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import TYPE_CHECKING, Any

# Imported now: pip >= 26.3 refuses imports once its installation has started, and this
# runs at the end of pip's install command.
from pip_native.exiting import leave_to_exit

if TYPE_CHECKING:
    from concurrent.futures import Future

    from pip_native.environment import TargetEnvironment

__all__ = ["early_backend", "patch_install_module", "start_early", "wrapped_spec"]

_PATCHED = "_pip_native_patched"
_WARNED: set[str] = set()

#: Option destinations the wrapper reads or sets (all present in pip 23.2 to 26.3).
REQUIRED_OPTIONS = (
    "requirements",
    "editables",
    "constraints",
    "ignore_dependencies",
    "require_hashes",
    "target_dir",
    "prefix_path",
    "root_path",
    "use_user_site",
    "dry_run",
    "json_report_file",
    "upgrade",
    "pre",
    "index_url",
    "extra_index_urls",
    "find_links",
    "no_index",
    "trusted_hosts",
    "cert",
    "client_cert",
)

#: Requirement sources pip-native does not handle yet, refused with a clear message.
UNSUPPORTED_OPTIONS = {
    "editables": "-e/--editable",
    "dependency_groups": "--group",
    "requirements_from_scripts": "--requirements-from-script",
}


def _warn_once(message: str) -> None:
    if not _WARNED:
        _WARNED.add(message)
        sys.stderr.write(f"pip-native: {message}\n")


class _PatchingLoader(importlib.abc.Loader):
    """Runs the real loader, then patches the module; never lets a failure reach pip."""

    def __init__(self, loader: importlib.abc.Loader) -> None:
        self._loader = loader

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        module.__loader__ = self._loader
        if module.__spec__ is not None:
            module.__spec__.loader = self._loader
        self._loader.exec_module(module)
        try:
            patch_install_module(module)
        except Exception as exc:  # pip must keep working whatever happens here
            _warn_once(f"could not hook into pip ({exc!r}); pip install runs unchanged.")


def wrapped_spec(finder: object, name: str, path: Any, target: Any) -> ModuleSpec | None:
    """The spec the other finders give for ``name``, with a loader that patches the module."""
    if finder in sys.meta_path:
        sys.meta_path.remove(finder)  # one shot
    for other in sys.meta_path:
        find = getattr(other, "find_spec", None)
        spec: ModuleSpec | None = find(name, path, target) if find is not None else None
        if spec is not None:
            if spec.loader is not None:
                spec.loader = _PatchingLoader(spec.loader)
            return spec
    return None


def patch_install_module(module: ModuleType) -> None:
    """Wrap ``InstallCommand.add_options`` and ``run`` once (idempotent)."""
    command = getattr(module, "InstallCommand", None)
    if command is None or not all(
        callable(getattr(command, m, None)) for m in ("add_options", "run")
    ):
        _warn_once("this pip has no InstallCommand.add_options/run; --native-from is unavailable.")
        return
    if getattr(command, _PATCHED, False):
        return
    original_add_options = command.add_options
    original_run = command.run

    def add_options(self: Any) -> None:
        original_add_options(self)
        try:
            _add_native_options(self)
        except Exception as exc:
            _warn_once(f"could not add --native-from to pip install ({exc!r}).")

    def run(self: Any, options: optparse.Values, args: list[str]) -> int:
        if not _wants_split_install(options):
            return int(original_run(self, options, args))
        try:
            return _split_install(self, original_run, options, args)
        finally:
            leave_to_exit()  # pip exits next

    add_options.__wrapped__ = original_add_options  # type: ignore[attr-defined]
    run.__wrapped__ = original_run  # type: ignore[attr-defined]
    command.add_options = add_options
    command.run = run
    setattr(command, _PATCHED, True)


def _add_native_options(command: Any) -> None:
    parser = command.parser
    if parser.get_option("--native-from") is None:
        command.cmd_opts.add_option(
            optparse.Option(
                "--native-from",
                dest="native_from",
                metavar="SOURCE",
                default=None,
                help="pip-native: take everything with native code from this system package "
                "manager (apt, dnf, conda, brew, auto; 'none' turns it off) and only pure "
                "wheels from the index, resolved together. Also PIP_NATIVE_FROM / pip.conf.",
            )
        )
    if parser.get_option("--native-mapping") is None:
        command.cmd_opts.add_option(
            optparse.Option(
                "--native-mapping",
                dest="native_mapping",
                action="append",
                default=[],
                metavar="FILE",
                help="pip-native: extra name mapping file (TOML/JSON), highest precedence.",
            )
        )
    if parser.get_option("--native-use-sudo") is None:
        command.cmd_opts.add_option(
            optparse.Option(
                "--native-use-sudo",
                dest="native_use_sudo",
                action="store_true",
                default=False,
                help="pip-native: run the package manager step through sudo when not root.",
            )
        )


def _wants_split_install(options: optparse.Values) -> bool:
    value = getattr(options, "native_from", None)
    if not value:
        return False
    from pip_native.native.registry import OFF_VALUES  # pip-native runs anyway when set

    if value.strip().lower() in OFF_VALUES:
        return False
    # pip's build-isolation subprocesses (pip install --prefix <overlay> …) inherit
    # PIP_NATIVE_FROM; they, and --target/--prefix/--root installs, pass straight through.
    if os.environ.get("PIP_BUILD_TRACKER") and getattr(options, "prefix_path", None):
        return False
    return not any(getattr(options, o, None) for o in ("target_dir", "prefix_path", "root_path"))


def _names_native_from(flag: str) -> bool:
    """Whether ``flag`` is ``--native-from`` or an abbreviation optparse takes for it."""
    return len(flag) >= len("--native-f") and "--native-from".startswith(flag)


def native_from_source(argv: list[str], environ: Mapping[str, str]) -> str:
    """Where pip's option parser took --native-from from, in pip's precedence order:
    the command line (optparse accepts unambiguous abbreviations such as ``--native-f``),
    then ``PIP_NATIVE_FROM``, then pip's configuration files."""
    for arg in argv:
        if arg == "--":
            break
        if _names_native_from(arg.split("=", 1)[0]):
            return "--native-from"
    if environ.get("PIP_NATIVE_FROM", "").strip():
        return "PIP_NATIVE_FROM"
    return "pip configuration: native-from"


#: pip's general options that take a value as the next argument (pip 23.2 to 26.3).
_GENERAL_WITH_VALUE = frozenset(
    {
        "--log",
        "--log-file",
        "--local-log",
        "--keyring-provider",
        "--proxy",
        "--retries",
        "--timeout",
        "--exists-action",
        "--trusted-host",
        "--cert",
        "--client-cert",
        "--cache-dir",
        "--use-feature",
        "--use-deprecated",
        "--resume-retries",
    }
)


#: ``pip install`` options that install elsewhere (pass-through), each with its shortest
#: unambiguous abbreviation (``--pre`` and ``--root-user-action`` are other options).
_ELSEWHERE = {"--target": "--ta", "--prefix": "--pref", "--root": "--root"}


def early_backend(argv: Sequence[str], environ: Mapping[str, str]) -> str | None:
    """The backend whose work ahead can start when pip starts, before pip has read its
    options, from pip's arguments ``argv`` and ``environ``: ``apt`` for ``pip install``
    with ``--native-from=apt`` (or ``PIP_NATIVE_FROM=apt``), else None.

    A guess: a wrong one only starts work the plan then ends. It is None whenever the
    command may not be a split install: another command, ``--python`` (another pip
    runs), ``--target``, ``--prefix``, ``--root`` or ``--user``, pip's build
    subprocesses, ``native-from`` only in pip's configuration (not read here).
    """
    if environ.get("PIP_BUILD_TRACKER"):
        return None
    args = list(argv)
    command: int | None = None
    skip = False
    for number, arg in enumerate(args):
        if skip:
            skip = False
        elif arg == "--python" or arg.startswith("--python="):
            return None
        elif arg in _GENERAL_WITH_VALUE:
            skip = True
        elif not arg.startswith("-"):
            command = number
            break
    if command is None or args[command] != "install":
        return None
    value = environ.get("PIP_NATIVE_FROM", "")
    rest = args[command + 1 :]
    for number, arg in enumerate(rest):
        if arg == "--":
            break
        flag, given, inline = arg.partition("=")
        if flag == "--python":  # pip's general options come after the command too
            return None
        if flag in ("-t", "--user") or (arg.startswith("-t") and not arg.startswith("--")):
            return None
        if any(o.startswith(flag) and flag.startswith(p) for o, p in _ELSEWHERE.items()):
            return None
        if _names_native_from(flag):
            value = inline if given else (rest[number + 1] if number + 1 < len(rest) else "")
    return "apt" if value.strip().lower() == "apt" else None


def start_early(argv: Sequence[str], environ: Mapping[str, str]) -> None:
    """Start the work ahead that :func:`early_backend` says can start (when pip starts)."""
    if early_backend(argv, environ) == "apt":
        from pip_native.native import apt_early

        apt_early.start()


def _split_install(
    command: Any, original_run: Callable[..., int], options: optparse.Values, args: list[str]
) -> int:
    # One pip-native run at a time per environment (a dry run changes nothing).
    from pip_native.envlock import environment_lock
    from pip_native.errors import PipNativeError

    if getattr(options, "dry_run", False):
        return _split_install_unlocked(command, original_run, options, args)
    try:
        with environment_lock(sys.prefix):
            return _split_install_unlocked(command, original_run, options, args)
    except PipNativeError as exc:  # the lock itself (a timeout)
        sys.stderr.write(f"pip-native: error: {exc.render()}\n")
        return exc.exit_code


def _split_install_unlocked(
    command: Any, original_run: Callable[..., int], options: optparse.Values, args: list[str]
) -> int:
    # pip's session first, in a thread: pip's user agent alone runs lsb_release, uname and
    # rustc (0.05 s), while the target is described and the work ahead starts.
    making_session = _start_session(command, options)
    # Everything needed is imported here, before pip's own run starts: pip >= 26.3
    # refuses new imports once installation has started (the report is dumped after it).
    from pip_native.environment import start_probe

    # The target is this interpreter, seen as pip sees it: described here, in a thread,
    # while the rest is imported; the backend's work ahead (apt's universe) starts too.
    probing = start_probe(sys.executable, this_process=True)
    from pip_native.native.registry import start_ahead

    stop_ahead = start_ahead(options.native_from)
    try:
        return _plan_and_install(
            command, original_run, options, args, probing, stop_ahead, making_session
        )
    finally:
        stop_ahead()


def _start_session(command: Any, options: optparse.Values) -> Future[Any]:
    """pip's own session of ``command`` (``get_default_session``), made in a thread."""
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pip-native-session")
    try:
        return pool.submit(command.get_default_session, options)
    finally:
        pool.shutdown(wait=False)


def _plan_and_install(
    command: Any,
    original_run: Callable[..., int],
    options: optparse.Values,
    args: list[str],
    probing: Future[TargetEnvironment],
    stop_ahead: Callable[[], None],
    making_session: Future[Any],
) -> int:
    from pathlib import Path

    from pip_native.environment import probe
    from pip_native.errors import CommandFailed, PipNativeError, UsageError
    from pip_native.executor import ExecutionResult, execute
    from pip_native.index.config import IndexConfig
    from pip_native.planner import InstallRequest, make_plan
    from pip_native.report import dump, install_summary, plan_json, plan_table
    from pip_native.reqinput import parse_requirement, read_input_files

    missing = missing_options(options)
    if missing:
        sys.stderr.write(
            f"pip-native: error: this pip ({_pip_version()}) lacks the options pip-native needs "
            f"({', '.join(missing)}); nothing was installed.\n"
            "Hint: use the pip-native command instead: pip-native install --native-from=... \n"
        )
        return 1
    report_path = options.json_report_file
    quiet = int(getattr(options, "quiet", 0) or 0) > 0
    result = ExecutionResult()
    report: dict[str, Any] | None = None
    try:
        for dest, flag in UNSUPPORTED_OPTIONS.items():
            if getattr(options, dest, None):
                raise UsageError(
                    f"{flag} is not supported together with --native-from yet.",
                    hint="Drop --native-from (or pass --native-from=none) for this install.",
                )
        if options.use_user_site:
            raise UsageError(
                "--user is not supported together with --native-from.",
                hint="Use a venv made with --system-site-packages instead.",
            )
        if options.ignore_dependencies:
            raise UsageError(
                "--no-deps contradicts --native-from, which resolves dependencies jointly.",
                hint="Drop --no-deps, or use --native-from=none.",
            )
        reqs = [parse_requirement(a) for a in args]
        # pip has already added its configuration's 'constraint' to options.constraints.
        from_files, constraints = read_input_files(
            list(options.requirements or []), list(options.constraints or [])
        )
        reqs.extend(req for req, _ in from_files)
        if not reqs:
            raise UsageError(
                "Nothing to install: no requirements were given.",
                hint="pip install --native-from=apt NAME ..., or -r FILE.",
            )
        session = making_session.result()
        _share_tls_contexts(session)
        request = InstallRequest(
            requirements=reqs,
            constraints=constraints,
            native_from=options.native_from,
            native_from_source=native_from_source(sys.argv[1:], os.environ),
            python=sys.executable,
            index=_index_config(IndexConfig, options),
            mapping_files=[Path(p) for p in getattr(options, "native_mapping", None) or ()],
            upgrade=bool(options.upgrade),
            pre=bool(options.pre),
            break_system_packages=bool(getattr(options, "override_externally_managed", False)),
            dry_run=bool(options.dry_run),
            session=session,
            session_errors=_session_errors(),
            probing=probing,
        )
        planned = make_plan(request)
        stop_ahead()  # not held over the install
        if not quiet:
            out = sys.stderr if report_path == "-" else sys.stdout
            out.write("pip-native: " + planned.header())
            out.write(plan_table(planned.plan))
        metadata = {
            i.file: planned.index.metadata(i.file) for i in planned.plan.items if i.file is not None
        }
        report = plan_json(planned.plan, metadata=metadata.get)
        planned.index.close()  # drop queued metadata prefetches: they would hold up the exit
        if options.dry_run:
            _write_report(dump, report_path, report, {"status": "dry-run"})
            return 0

        def run_pip(step: Any, requirements_file: Any) -> None:
            # pip's own install, once, with the exact pinned wheels (hashes, no deps).
            options.requirements = [str(requirements_file)]
            options.ignore_dependencies = True
            options.require_hashes = True
            options.json_report_file = None  # pip-native writes the one report
            status = int(original_run(command, options, []))
            if status != 0:
                raise CommandFailed(
                    f"pip's install step exited with status {status}.",
                    command=(
                        "pip",
                        "install",
                        "--no-deps",
                        "--require-hashes",
                        "-r",
                        str(requirements_file),
                    ),
                    returncode=status,
                    output="(pip's output is shown above)",
                )

        execute(
            planned.plan,
            use_sudo=bool(getattr(options, "native_use_sudo", False)),
            reprobe=lambda: probe(sys.executable),
            result=result,
            stream=not quiet,
            run_pip=run_pip,
        )
        _write_report(dump, report_path, report, {"status": "installed", **result.as_json()})
        if not quiet:
            (sys.stderr if report_path == "-" else sys.stdout).write(install_summary(result))
        return 0
    except PipNativeError as exc:
        if report is not None:
            _write_report(dump, report_path, report, {"status": "failed", **result.as_json()})
        sys.stderr.write(f"pip-native: error: {exc.render()}\n")
        return exc.exit_code


def _index_config(config_type: Any, options: optparse.Values) -> Any:
    """pip's parsed index options, exactly as pip will use them."""
    return config_type(
        index_url=options.index_url,
        extra_index_urls=tuple(options.extra_index_urls or ()),
        find_links=tuple(options.find_links or ()),
        no_index=bool(options.no_index),
        cert=options.cert or None,
        client_cert=options.client_cert or None,
        trusted_hosts=tuple(options.trusted_hosts or ()),
        timeout=float(getattr(options, "timeout", 15) or 15),
        retries=int(getattr(options, "retries", 3) or 3),
    )


def _share_tls_contexts(session: Any) -> None:
    """Make pip's verifying adapters share one SSL context per CA bundle.

    Each new connection of pip's session otherwise builds a context and loads the
    CA bundle into it (30 ms of CPU; see :mod:`pip_native.index.tls`), and the
    plan's workers open about 20 connections at once. After requests' own
    ``cert_verify`` has set a pool's bundle, the wrapper gives the pool the shared
    context for it and clears the bundle, so urllib3 neither builds a context nor
    loads the bundle again. Only for adapters to which pip gave no context of its
    own (pip before 24.2 and ``--use-deprecated=legacy-certs``; pip's truststore
    context is left alone), and only for verified pools without a client
    certificate: ``--trusted-host`` adapters set ``CERT_NONE`` and are skipped.
    """
    import ssl

    from pip_native.index.tls import TLSContexts

    try:
        from pip._vendor.requests.utils import DEFAULT_CA_BUNDLE_PATH
        from pip._vendor.urllib3.util.ssl_ import create_urllib3_context
    except ImportError:  # a debundled pip: leave its session as it is
        return
    contexts = TLSContexts(
        lambda: create_urllib3_context(cert_reqs=ssl.CERT_REQUIRED), DEFAULT_CA_BUNDLE_PATH
    )
    adapters = {id(a): a for a in getattr(session, "adapters", {}).values()}
    for adapter in adapters.values():
        pool_kw = getattr(getattr(adapter, "poolmanager", None), "connection_pool_kw", None)
        original = getattr(adapter, "cert_verify", None)
        if not isinstance(pool_kw, dict) or pool_kw.get("ssl_context") is not None:
            continue
        if not callable(original):
            continue
        adapter.cert_verify = _sharing_cert_verify(original, contexts)


def _sharing_cert_verify(original: Callable[..., None], contexts: Any) -> Callable[..., None]:
    def cert_verify(conn: Any, url: str, verify: Any, cert: Any) -> None:
        original(conn, url, verify, cert)
        conn_kw = getattr(conn, "conn_kw", None)
        if cert or getattr(conn, "cert_reqs", None) != "CERT_REQUIRED":
            return  # a client certificate, or a --trusted-host pool (CERT_NONE)
        if not isinstance(conn_kw, dict):
            return
        existing = conn_kw.get("ssl_context")
        if existing is not None and not contexts.shares(existing):
            return  # a context someone else chose
        # The bundle as requests chose it from ``verify``, not read back from the pool:
        # another thread may have cleared the pool's meanwhile.
        if verify is True:
            context = contexts.get(None, None)
        elif isinstance(verify, str):
            from pathlib import Path

            is_dir = Path(verify).is_dir()
            context = contexts.get(None if is_dir else verify, verify if is_dir else None)
        else:
            return
        if context is None:
            return
        conn_kw["ssl_context"] = context
        conn.ca_certs = None
        conn.ca_cert_dir = None

    return cert_verify


def _session_errors() -> tuple[type[Exception], ...]:
    """What pip's session raises for failed requests: its vendored requests' base error."""
    try:
        from pip._vendor.requests.exceptions import RequestException
    except ImportError:  # a debundled pip uses the real requests, which pip-native handles
        return ()
    return (RequestException,)


def _pip_version() -> str:
    try:
        import pip

        return str(pip.__version__)
    except Exception:
        return "unknown version"


def _write_report(
    dump: Callable[[Any], str],
    path: str | None,
    report: dict[str, Any],
    outcome: dict[str, Any],
) -> None:
    if not path:
        return
    report["pip_native"]["result"] = outcome
    text = dump(report)
    if path == "-":
        sys.stdout.write(text)
    else:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)


def missing_options(options: optparse.Values) -> Sequence[str]:
    """Option destinations this pip lacks (feature detection)."""
    return [o for o in REQUIRED_OPTIONS if not hasattr(options, o)]
