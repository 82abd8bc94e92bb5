"""Parses and validates the names pip-native accepts: PyPI names, purls and PEP 725 DepURLs."""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Union
from urllib.parse import quote

from packageurl import PackageURL as _PurlParser
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import InvalidName, NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from pip_native.errors import InvalidIdentifierError

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "DEPURL_RANGE_OPERATORS",
    "VIRTUAL_NAMESPACES",
    "DepURL",
    "Identifier",
    "PackageURL",
    "parse_identifier",
    "parse_pypi_name",
]

#: PEP 508's name rule (matched case-insensitively), quoted in error messages.
PEP508_NAME_RULE = r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$"

#: Namespaces PEP 725 (and the PEP 804 central registry) define for ``dep:virtual/``.
VIRTUAL_NAMESPACES = frozenset({"compiler", "interface"})

#: The only comparison operators PEP 725 allows in a DepURL version range.
DEPURL_RANGE_OPERATORS = (">=", "<=", "==", ">", "<")

_PURL_TYPE_CHARS = frozenset(string.ascii_letters + string.digits + ".-_")
# Characters left unencoded in the version part of a DepURL's text form.
_VERSION_SAFE = "<>=!,.*+~_-"


def _name_problem(text: str) -> str:
    """Say what exactly is wrong with a name that failed PEP 508's rule."""
    if not text:
        return "it is empty"
    if text != text.strip():
        return "it has leading or trailing whitespace"
    bad = sorted({c for c in text if not (c.isascii() and (c.isalnum() or c in "._-"))})
    if bad:
        return "it contains " + ", ".join(repr(c) for c in bad)
    return "it must start and end with an ASCII letter or digit"


def parse_pypi_name(text: str) -> NormalizedName:
    """Validate a PyPI project name and return its PEP 503 normalized form.

    ``Scikit_Learn`` -> ``scikit-learn``. Raises
    :class:`~pip_native.errors.InvalidIdentifierError` for anything that is not
    a valid PEP 508 name.
    """
    try:
        return canonicalize_name(text, validate=True)
    except InvalidName:
        raise InvalidIdentifierError(
            f"{text!r} is not a valid PyPI project name: {_name_problem(text)}. "
            f"A name must match PEP 508's rule {PEP508_NAME_RULE} (case-insensitive): "
            "ASCII letters, digits, '.', '_' and '-', starting and ending with a letter or digit.",
            hint="Use the project's name as shown on PyPI, e.g. 'scikit-learn' or 'PyYAML'.",
        ) from None


def _split_scheme(text: str) -> tuple[str, str]:
    scheme, sep, rest = text.partition(":")
    return (scheme.lower(), rest) if sep else ("", text)


@dataclass(frozen=True)
class _PurlParts:
    type: str
    namespace: str | None
    name: str
    version: str | None
    qualifiers: tuple[tuple[str, str], ...]
    subpath: str | None


def _parse_purl_parts(text: str, remainder: str, *, what: str, example: str) -> _PurlParts:
    """Parse ``type/namespace/name@version?qualifiers#subpath`` with packageurl-python."""
    type_part = remainder.strip().lstrip("/").partition("/")[0]
    if not remainder.isprintable():
        problem = "it contains control or unprintable characters"
    elif type_part and not (set(type_part) <= _PURL_TYPE_CHARS):
        problem = f"its type {type_part!r} may only contain ASCII letters, digits, '.', '-' and '_'"
    else:
        purl_text = "pkg:" + remainder
        try:
            purl = _PurlParser.from_string(purl_text)
        except ValueError as exc:
            problem = str(exc).replace(f": {purl_text!r}", "").rstrip(".")
            problem = problem[:1].lower() + problem[1:]
        else:
            return _PurlParts(
                type=purl.type,
                namespace=purl.namespace or None,
                name=purl.name,
                version=purl.version or None,
                qualifiers=tuple(sorted((purl.qualifiers or {}).items())),
                subpath=purl.subpath or None,
            )
    raise InvalidIdentifierError(
        f"{text!r} is not a valid {what}: {problem}. "
        "The form is type/namespace/name@version?qualifiers#subpath, "
        "where type and name are required.",
        hint=f"Write it like {example!r}.",
    )


def _purl_string(parts: _PurlParts, *, version: bool = True) -> str:
    """Canonical ``pkg:`` text of ``parts`` (percent-encoded the purl way)."""
    return str(
        _PurlParser(
            type=parts.type,
            namespace=parts.namespace,
            name=parts.name,
            version=parts.version if version else None,
            qualifiers=dict(parts.qualifiers),
            subpath=parts.subpath,
        ).to_string()
    )


@dataclass(frozen=True)
class PackageURL:
    """A package URL (``pkg:deb/debian/python3-numpy@1.24.2?arch=amd64``), parsed to the purl spec.

    Components are stored decoded and normalized the way packageurl-python does
    (e.g. ``pkg:pypi/Django_Foo`` has the name ``django-foo``); ``str()`` gives the
    canonical purl text. ``raw`` is the text as given (not part of equality).
    """

    type: str
    namespace: str | None
    name: str
    version: str | None
    qualifiers: tuple[tuple[str, str], ...]
    """Sorted ``(key, value)`` pairs; see :attr:`qualifier_map`."""
    subpath: str | None
    raw: str = field(default="", compare=False)

    @classmethod
    def parse(cls, text: str) -> PackageURL:
        """Parse ``pkg:…`` text; raise InvalidIdentifierError naming ``text`` if not a purl."""
        scheme, rest = _split_scheme(text)
        if scheme != "pkg":
            raise InvalidIdentifierError(
                f"{text!r} is not a package URL: a purl starts with 'pkg:'.",
                hint="Write it like 'pkg:deb/debian/python3-numpy@1.24.2?arch=amd64'.",
            )
        parts = _parse_purl_parts(
            text, rest, what="package URL", example="pkg:deb/debian/python3-numpy@1.24.2"
        )
        return cls(
            type=parts.type,
            namespace=parts.namespace,
            name=parts.name,
            version=parts.version,
            qualifiers=parts.qualifiers,
            subpath=parts.subpath,
            raw=text,
        )

    @property
    def qualifier_map(self) -> Mapping[str, str]:
        """The qualifiers as a read-only mapping."""
        return MappingProxyType(dict(self.qualifiers))

    def __str__(self) -> str:
        return _purl_string(
            _PurlParts(
                self.type, self.namespace, self.name, self.version, self.qualifiers, self.subpath
            )
        )


def _parse_depurl_version(text: str, version: str) -> SpecifierSet | None:
    """The parsed form of a DepURL version part, or None for a non-PEP 440 literal."""
    example = "'dep:generic/libffi@>=3.4' or 'dep:generic/openssl@>=3,<4'"
    if any(c.isspace() for c in version):
        raise InvalidIdentifierError(
            f"{text!r} is not a valid DepURL: its version part {version!r} contains whitespace.",
            hint=f"Remove the spaces, e.g. {example}.",
        )
    if "|" in version:
        raise InvalidIdentifierError(
            f"{text!r} is not a valid DepURL: its version part {version!r} uses the vers "
            "separator '|'; PEP 725 version ranges are PEP 440 specifiers joined with ','.",
            hint=f"Write the range with ',' and the operators >=, >, <, <=, ==, e.g. {example}.",
        )
    if version[0] in "<>=!~" or "," in version:
        for clause in version.split(","):
            if not clause.startswith(DEPURL_RANGE_OPERATORS) or clause.startswith("==="):
                raise InvalidIdentifierError(
                    f"{text!r} is not a valid DepURL: the version range {version!r} has the "
                    f"clause {clause!r}; PEP 725 allows only the operators "
                    f"{', '.join(DEPURL_RANGE_OPERATORS)} joined with ','.",
                    hint=f"Write it like {example}.",
                )
        try:
            return SpecifierSet(version)
        except InvalidSpecifier:
            raise InvalidIdentifierError(
                f"{text!r} is not a valid DepURL: its version range {version!r} is not a "
                "valid PEP 440 specifier.",
                hint=f"Write it like {example}.",
            ) from None
    try:
        Version(version)
    except InvalidVersion:
        return None  # a PURL version literal in the ecosystem's own syntax: kept raw only
    return SpecifierSet(f"=={version}")


@dataclass(frozen=True)
class DepURL:
    """A PEP 725 external dependency identifier (``dep:generic/libffi@>=3.4``).

    Also accepted, as the same value: the purl form of earlier PEP 725 drafts
    (``pkg:generic/openblas``, ``pkg:virtual/compiler/c``) and the draft's
    ``virtual:compiler/c``. ``version`` is the version part as written
    (percent-decoded): a literal (``2.0``, exact) or a range (``>=3,<4``).
    ``specifier`` is its parsed PEP 440 form (``==2.0`` for a literal) or None
    when the literal is not a PEP 440 version. ``str()`` gives the ``dep:`` form.
    """

    type: str
    namespace: str | None
    name: str
    version: str | None
    qualifiers: tuple[tuple[str, str], ...]
    subpath: str | None
    specifier: SpecifierSet | None = field(default=None, compare=False)
    raw: str = field(default="", compare=False)

    @classmethod
    def parse(cls, text: str) -> DepURL:
        """Parse DepURL text; raise InvalidIdentifierError naming ``text`` if it is not one."""
        scheme, rest = _split_scheme(text)
        if scheme == "virtual":  # the 2023 draft's virtual:compiler/c
            rest = "virtual/" + rest
        elif scheme not in ("dep", "pkg"):
            raise InvalidIdentifierError(
                f"{text!r} is not a DepURL: a PEP 725 external dependency starts with 'dep:' "
                "(or, in earlier drafts, 'pkg:' or 'virtual:').",
                hint="Write it like 'dep:generic/openblas' or 'dep:virtual/compiler/c'.",
            )
        if ";" in text:
            raise InvalidIdentifierError(
                f"{text!r} is not a bare DepURL: it carries an environment marker after ';'.",
                hint="Split off the marker first and parse only the part before ';'.",
            )
        if any(c.isspace() for c in text):
            raise InvalidIdentifierError(
                f"{text!r} is not a valid DepURL: it contains whitespace.",
                hint="Remove the spaces (percent-encode them if they are really part of a name).",
            )
        parts = _parse_purl_parts(text, rest, what="DepURL", example="dep:generic/libffi@>=3.4")
        namespace, name = parts.namespace, parts.name
        if parts.type == "virtual":
            namespace = namespace.lower() if namespace else None
            name = name.lower()
            if namespace not in VIRTUAL_NAMESPACES:
                found = f"the namespace {namespace!r}" if namespace else "no namespace"
                raise InvalidIdentifierError(
                    f"{text!r} is not a valid DepURL: a 'virtual' dependency needs one of the "
                    f"namespaces {', '.join(sorted(VIRTUAL_NAMESPACES))}, and it has {found}.",
                    hint="Write it like 'dep:virtual/compiler/c' or 'dep:virtual/interface/blas'.",
                )
        specifier = None
        if parts.version is not None:
            specifier = _parse_depurl_version(text, parts.version)
        return cls(
            type=parts.type,
            namespace=namespace,
            name=name,
            version=parts.version,
            qualifiers=parts.qualifiers,
            subpath=parts.subpath,
            specifier=specifier,
            raw=text,
        )

    @property
    def is_virtual(self) -> bool:
        return self.type == "virtual"

    @property
    def is_range(self) -> bool:
        """True when the version part is a range (``>=3.4``), not a literal."""
        return self.version is not None and (self.version[0] in "<>=" or "," in self.version)

    @property
    def qualifier_map(self) -> Mapping[str, str]:
        """The qualifiers as a read-only mapping."""
        return MappingProxyType(dict(self.qualifiers))

    @property
    def id(self) -> str:
        """The identifier without version: the key used by PEP 804 registries and mappings."""
        return "dep:" + _purl_string(self._parts(), version=False)[len("pkg:") :]

    def _parts(self) -> _PurlParts:
        return _PurlParts(
            self.type, self.namespace, self.name, self.version, self.qualifiers, self.subpath
        )

    def __str__(self) -> str:
        text = self.id
        if self.version is None:
            return text
        cut = min((i for i in (text.find("?"), text.find("#")) if i >= 0), default=len(text))
        return f"{text[:cut]}@{quote(self.version, safe=_VERSION_SAFE)}{text[cut:]}"


Identifier = Union[NormalizedName, PackageURL, DepURL]

_DEPURL_PURL_TYPES = frozenset({"generic", "virtual"})


def parse_identifier(text: str) -> Identifier:
    """Parse a PyPI name, a purl or a DepURL, telling them apart by scheme.

    ``dep:…`` and ``virtual:…`` give a :class:`DepURL`; ``pkg:generic/…`` and
    ``pkg:virtual/…`` (PEP 725's earlier purl form) also give a :class:`DepURL`;
    any other ``pkg:…`` gives a :class:`PackageURL`; text without a scheme gives
    a normalized PyPI name.
    """
    scheme, rest = _split_scheme(text)
    if not scheme and ":" not in text:
        return parse_pypi_name(text)
    if scheme in ("dep", "virtual"):
        return DepURL.parse(text)
    if scheme == "pkg":
        purl_type = rest.strip().lstrip("/").partition("/")[0].lower()
        if purl_type in _DEPURL_PURL_TYPES:
            return DepURL.parse(text)
        return PackageURL.parse(text)
    found = f"its scheme {scheme + ':'!r}" if scheme else "an empty scheme before ':'"
    raise InvalidIdentifierError(
        f"{text!r} is not a PyPI name, package URL or DepURL: {found} is not one of "
        "'pkg:', 'dep:' or 'virtual:' (and ':' cannot occur in a PyPI name).",
        hint="Write a PyPI name ('numpy'), a purl ('pkg:deb/debian/python3-numpy') "
        "or a DepURL ('dep:generic/openblas').",
    )
