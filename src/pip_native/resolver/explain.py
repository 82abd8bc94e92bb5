"""Turn a failed resolution into one message that names both sides and their origin."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from packaging.utils import NormalizedName

from pip_native.errors import ResolutionConflictError
from pip_native.native.nobackend import NO_BACKEND_HINT
from pip_native.resolver.model import (
    Candidate,
    NativePin,
    ResolverRequirement,
    SpecRequirement,
    split_identifier,
)
from pip_native.resolver.sources import Kind

if TYPE_CHECKING:
    from resolvelib.structs import RequirementInformation

    from pip_native.resolver.provider import SplitProvider

__all__ = ["conflict_error", "first_few", "unavailable_hint"]


def _offers(provider: SplitProvider, name: NormalizedName) -> str:
    kind = provider.kind(name)
    manager = provider.native.adapter.name
    native = provider.native.candidate(name)
    native_text = (
        f"{manager} offers {native.version} ({native.native.package.label()})"
        if native is not None and native.native is not None
        else f"{manager} offers nothing: {provider.native.reason(name)}"
    )
    installed = provider.env.installed.get(name)
    inst_text = f"; installed: {installed.version} in {installed.location}" if installed else ""
    if not provider.native.has_backend:
        if kind is Kind.ABSENT:
            return f"no configured index has it{inst_text}"
        if kind is Kind.NATIVE:
            return (
                f"{provider.pypi.describe_files(name)}, and no native backend was chosen{inst_text}"
            )
        return f"{provider.pypi.describe_files(name)}{inst_text}"
    if kind is Kind.PURE:
        return f"{provider.pypi.describe_files(name)}; {native_text}{inst_text}"
    if kind is Kind.NATIVE:
        return f"{provider.pypi.describe_files(name)}, so it must come from {manager}: {native_text}{inst_text}"
    return f"no configured index has it; {native_text}{inst_text}"


def first_few(items: Sequence[str], shown: int = 3) -> str:
    """``a, b, c and 2 more``: the first ``shown`` items, and how many are left out."""
    more = f" and {len(items) - shown} more" if len(items) > shown else ""
    return ", ".join(items[:shown]) + more


def _with_origins(text: str, origins: Sequence[str]) -> str:
    return f"{text} (required by {first_few(origins)})" if origins else text


def unavailable_note(provider: SplitProvider) -> str:
    """Native projects the system cannot provide, and who needed them ('' if none)."""
    if not provider.unavailable:
        return ""
    listed = []
    for name, askers in sorted(provider.unavailable.items()):
        listed.append(_with_origins(name, askers))
    if not provider.native.has_backend:
        return (
            "These projects have no pure wheel, and without a native backend pip-native takes "
            "nothing else, so every release that needs them was ruled out: "
            + "; ".join(listed)
            + "."
        )
    return (
        f"These projects have no pure wheel and no {provider.native.adapter.name} package "
        "here, so every release that needs them was ruled out: " + "; ".join(listed) + "."
    )


UNAVAILABLE_HINT = (
    "If {manager} packages one of them under a name pip-native does not know, map it in a "
    "file passed with --mapping FILE; otherwise pin the projects that need them to releases that do not (or that fit "
    "what the system has)."
)


def unavailable_hint(provider: SplitProvider) -> str:
    """What to do about :func:`unavailable_note`'s projects."""
    if not provider.native.has_backend:
        return NO_BACKEND_HINT
    return UNAVAILABLE_HINT.format(manager=provider.native.adapter.name)


def conflict_error(
    provider: SplitProvider,
    causes: Sequence[RequirementInformation[ResolverRequirement, Candidate]],
    unusable: Mapping[str, str],
) -> ResolutionConflictError:
    # Per project, per requirement text, who asked (a backtrack gathers the same
    # requirement from many releases of one parent).
    asked: dict[NormalizedName, dict[str, list[str]]] = {}
    pinned_native = False
    for info in causes:
        name, _ = split_identifier(info.requirement.identifier)
        req = info.requirement
        if isinstance(req, NativePin):
            pinned_native = True
        if isinstance(req, SpecRequirement):
            text, origin = req.text, str(req.origin)
        else:
            text, origin = req.describe(), ""
        origins = asked.setdefault(name, {}).setdefault(text, [])
        if origin and origin not in origins:
            origins.append(origin)
    by_name: dict[NormalizedName, list[str]] = {
        name: [_with_origins(text, origins) for text, origins in texts.items()]
        for name, texts in asked.items()
    }
    if not by_name:
        skipped = " ".join(f"Skipped {what}: {why}" for what, why in unusable.items())
        return ResolutionConflictError(
            f"No usable candidate was left for the requirements. {skipped}".rstrip(),
            hint="The index serves files whose metadata cannot be read or verified; try again "
            "later, pin another version, or check the index.",
        )
    parts = []
    for name, lines in by_name.items():
        constraint = provider.constraints.get(name)
        if constraint is not None:
            lines = [*lines, constraint.describe()]
        parts.append(f"{name}: " + "; ".join(lines) + f". Available: {_offers(provider, name)}.")
    for what, why in unusable.items():
        parts.append(f"Skipped {what}: {why}")
    missing = unavailable_note(provider)
    if missing:
        parts.append(missing)
    names = ", ".join(by_name)
    manager = provider.native.adapter.name
    hints = []
    for name in by_name:
        if provider.kind(name) is not Kind.PURE and provider.native.candidate(name) is None:
            has_backend = provider.native.has_backend
            if provider.kind(name) is Kind.ABSENT and (
                not has_backend or provider.native.match(name) is None
            ):
                nor = f" and no {manager} package" if has_backend else ""
                hints.append(
                    f"No configured index{nor} knows {name}: check its spelling (the name on "
                    "PyPI), and the --index-url/--extra-index-url in use."
                )
            elif not has_backend:
                hints.append(NO_BACKEND_HINT)
            elif provider.native.match(name) is None:
                hints.append(provider.native.mapping.unknown_error(name).hint or "")
            else:
                hints.append(
                    f"{manager} cannot install {name} here; install it some other way first."
                )
    for name in by_name:
        venv_copy = provider.env.installed.get(name)
        if (
            pinned_native
            and venv_copy is not None
            and venv_copy.in_target
            and venv_copy.pure is not True
        ):
            hints.append(
                f"This environment already has {name} {venv_copy.version} in {venv_copy.location}, "
                f"which would shadow the {manager} copy and may not match its compiled code: remove "
                f"it first ({provider.env.executable} -m pip uninstall {name})."
            )
    if pinned_native:
        hints.append(
            f"The {manager} packages fix the version of {names} for the whole environment: "
            f"relax your requirements to accept the {manager} version, or use plain pip "
            "to take everything from PyPI (wheels with native code included)."
        )
    elif not hints and provider.unavailable:
        hints.append(unavailable_hint(provider))
    elif not hints:
        what = (
            "requirements or constraints"
            if any(n in provider.constraints for n in by_name)
            else "requirements"
        )
        offered = (
            f"PyPI's pure wheels or {manager}"
            if provider.native.has_backend
            else "PyPI's pure wheels"
        )
        hints.append(
            f"Relax the {what} on {names} to accept a version that {offered} offer, "
            "or use plain pip to take everything from PyPI."
        )
    hint = " ".join(h for h in dict.fromkeys(hints) if h)
    return ResolutionConflictError(
        f"No consistent set of packages satisfies the requirements on {names}. " + " ".join(parts),
        hint=hint,
    )
