"""Where packages come from: index URLs, find-links, TLS and retry settings, and URL redaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from pip_native.errors import ConfigError
from pip_native.index.pipconf import read_pip_options, strtobool

__all__ = ["PYPI_SIMPLE_URL", "IndexConfig", "redact_url"]

PYPI_SIMPLE_URL = "https://pypi.org/simple"

#: pip options (config keys) → IndexConfig fields. Multi-value options are whitespace-split.
_SCALAR_OPTIONS = {
    "index-url": "index_url",
    "cert": "cert",
    "client-cert": "client_cert",
    "timeout": "timeout",
    "default-timeout": "timeout",
    "retries": "retries",
    "no-index": "no_index",
}
_LIST_OPTIONS = {
    "extra-index-url": "extra_index_urls",
    "find-links": "find_links",
    "trusted-host": "trusted_hosts",
}


def redact_url(url: str) -> str:
    """``url`` with its password replaced by ``****`` (a lone user name, often a token, too)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user, sep, _password = userinfo.partition(":")
    redacted = f"{user}:****" if sep else "****"
    return urlunsplit(parts._replace(netloc=f"{redacted}@{hostport}"))


def _convert(option: str, field_name: str, raw: str) -> object:
    try:
        if field_name == "timeout":
            return float(raw)
        if field_name == "retries":
            return int(raw)
        if field_name == "no_index":
            return strtobool(raw)
    except ValueError as exc:
        raise ConfigError(
            f"Invalid value {raw!r} for pip option {option!r} in pip's configuration.",
            hint="Fix it in the pip configuration file or PIP_* variable (`pip config debug` "
            "lists where each value comes from).",
        ) from exc
    return raw


@dataclass(frozen=True)
class IndexConfig:
    """The settings pip's package finder uses, in pip's own terms."""

    index_url: str = PYPI_SIMPLE_URL
    extra_index_urls: tuple[str, ...] = ()
    find_links: tuple[str, ...] = ()
    """Local directories, ``file://`` URLs or http(s) pages with links."""
    no_index: bool = False
    cert: str | None = None
    client_cert: str | None = None
    trusted_hosts: tuple[str, ...] = ()
    """``host`` or ``host:port``: TLS certificates of these hosts are not verified."""
    timeout: float = 15.0
    retries: int = 3

    def __post_init__(self) -> None:
        # A value given twice (in pip.conf and again on the command line, say) is kept
        # once, at its first place: each index is read once per project, and the plan's
        # pip command names it once.
        for name in ("extra_index_urls", "find_links", "trusted_hosts"):
            object.__setattr__(self, name, tuple(dict.fromkeys(getattr(self, name))))

    @classmethod
    def from_pip_configuration(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        isolated: bool = False,
        **overrides: object,
    ) -> IndexConfig:
        """Settings from pip's configuration files and ``PIP_*`` variables, as pip reads them.

        ``overrides`` are command-line values keyed by field name; ``None``
        means "not given". As in pip, a scalar override replaces the
        configured value while list overrides (``extra_index_urls``,
        ``find_links``, ``trusted_hosts``) are appended to the configured lists.
        """
        names = {f.name for f in fields(cls)}
        unknown = set(overrides) - names
        if unknown:
            raise TypeError(f"unknown IndexConfig field(s): {', '.join(sorted(unknown))}")
        values: dict[str, object] = {}
        lists: dict[str, list[str]] = {name: [] for name in _LIST_OPTIONS.values()}
        for option, raw in read_pip_options(environ, isolated=isolated):
            if option in _SCALAR_OPTIONS:
                field_name = _SCALAR_OPTIONS[option]
                values[field_name] = _convert(option, field_name, raw)
            elif option in _LIST_OPTIONS:
                lists[_LIST_OPTIONS[option]] = raw.split()
        for field_name, value in overrides.items():
            if value is None:
                continue
            if field_name in lists:
                if isinstance(value, str) or not isinstance(value, Sequence):
                    raise TypeError(f"{field_name} override must be a sequence of strings")
                lists[field_name].extend(str(v) for v in value)
            else:
                values[field_name] = value
        changes: dict[str, Any] = {**values, **{k: tuple(v) for k, v in lists.items()}}
        return replace(cls(), **changes)

    def sources(self) -> tuple[str, ...]:
        """Index URLs in the order they are consulted (none with ``no_index``)."""
        if self.no_index:
            return ()
        return (self.index_url, *self.extra_index_urls)

    def is_trusted(self, url: str) -> bool:
        """Whether ``url``'s host (or host:port) is a ``--trusted-host``."""
        parts = urlsplit(url)
        host = parts.hostname or ""
        hostport = f"{host}:{parts.port}" if parts.port else host
        return any(t in (host, hostport) for t in self.trusted_hosts)

    def pip_args(self) -> list[str]:
        """These settings as pip command-line options, for running pip as a subprocess.

        pip appends command-line list options to the ones it reads from its
        configuration, so run that pip with ``PIP_CONFIG_FILE=os.devnull`` (or
        accept duplicated extra index URLs, which pip tolerates).
        """
        args = ["--index-url", self.index_url]
        for url in self.extra_index_urls:
            args += ["--extra-index-url", url]
        for link in self.find_links:
            args += ["--find-links", link]
        if self.no_index:
            args.append("--no-index")
        if self.cert:
            args += ["--cert", self.cert]
        if self.client_cert:
            args += ["--client-cert", self.client_cert]
        for host in self.trusted_hosts:
            args += ["--trusted-host", host]
        args += ["--timeout", f"{self.timeout:g}", "--retries", str(self.retries)]
        return args

    def redacted(self) -> dict[str, object]:
        """All settings for reports and logs, passwords in URLs replaced by ``****``."""
        return {
            "index_url": redact_url(self.index_url),
            "extra_index_urls": [redact_url(u) for u in self.extra_index_urls],
            "find_links": [redact_url(u) for u in self.find_links],
            "no_index": self.no_index,
            "cert": self.cert,
            "client_cert": self.client_cert,
            "trusted_hosts": list(self.trusted_hosts),
            "timeout": self.timeout,
            "retries": self.retries,
        }
