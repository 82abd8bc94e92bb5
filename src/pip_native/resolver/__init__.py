"""The joint resolution: one resolvelib run over PyPI pure wheels and native packages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from packaging.utils import NormalizedName
from resolvelib import BaseReporter, ResolutionImpossible, ResolutionTooDeep, Resolver

from pip_native.errors import ResolutionConflictError
from pip_native.resolver.explain import conflict_error, unavailable_hint, unavailable_note
from pip_native.resolver.model import (
    Candidate,
    ResolverRequirement,
    Source,
    SpecRequirement,
    split_identifier,
)
from pip_native.resolver.provider import SplitProvider
from pip_native.resolver.sources import Kind, NativeSource, PyPISource

__all__ = [
    "Candidate",
    "Kind",
    "NativeSource",
    "PyPISource",
    "Resolution",
    "Source",
    "SpecRequirement",
    "SplitProvider",
    "resolve",
]

MAX_ROUNDS = 200_000


@dataclass(frozen=True)
class Resolution:
    """The chosen candidate per project, with why each one is there."""

    candidates: dict[NormalizedName, Candidate]
    extras: dict[NormalizedName, frozenset[NormalizedName]]
    required_by: dict[NormalizedName, tuple[str, ...]]
    """Per project: ``you`` and/or the projects (``name version``) that required it."""
    requested: tuple[SpecRequirement, ...]
    kinds: dict[NormalizedName, Kind] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    """Candidates passed over because their metadata was unusable, with why."""


def resolve(
    requirements: Sequence[ResolverRequirement],
    provider: SplitProvider,
    *,
    reporter: BaseReporter[ResolverRequirement, Candidate, str] | None = None,
) -> Resolution:
    """Resolve ``requirements`` jointly; raise :class:`ResolutionConflictError` when impossible."""
    direct = [r.name for r in requirements if isinstance(r, SpecRequirement)]
    for req in requirements:
        if isinstance(req, SpecRequirement):
            provider.requested_order.setdefault(req.identifier, len(provider.requested_order))
    provider.prefetch(direct)
    # The native step's simulation can start now: it needs no package index.
    provider.simulate_ahead([n for n in direct if provider.kind(n) is Kind.NATIVE])
    # One batched native lookup for the direct requirements that cannot come from PyPI (their
    # pages are being fetched in parallel): a plan with nothing native never reads the
    # package manager's index.
    provider.native.prefetch([n for n in direct if provider.kind(n) is not Kind.PURE])
    resolver: Resolver[ResolverRequirement, Candidate, str] = Resolver(
        provider, reporter or BaseReporter()
    )
    try:
        result = resolver.resolve(requirements, max_rounds=MAX_ROUNDS)
    except ResolutionImpossible as exc:
        raise conflict_error(provider, list(exc.causes), provider.unusable) from exc
    except ResolutionTooDeep as exc:
        raise _too_deep(provider, exc.round_count) from exc

    # Root requirements name who asked: "you", or a local project ("proj 1.0 (local)").
    roots: dict[str, list[str]] = {}
    for req in requirements:
        if isinstance(req, SpecRequirement):
            roots.setdefault(req.identifier, []).append(str(req.origin))
    candidates: dict[NormalizedName, Candidate] = {}
    extras: dict[NormalizedName, frozenset[NormalizedName]] = {}
    required_by: dict[NormalizedName, list[str]] = {}
    for identifier, cand in result.mapping.items():
        name, ident_extras = split_identifier(identifier)
        candidates.setdefault(name, cand.with_extras(frozenset()))
        if ident_extras:
            extras[name] = extras.get(name, frozenset()) | ident_extras
        for parent in sorted(
            result.graph.iter_parents(identifier), key=lambda p: (p is not None, p or "")
        ):
            whys = (
                roots.get(identifier, ["you"])
                if parent is None
                else [_label(result.mapping[parent])]
            )
            lst = required_by.setdefault(name, [])
            for why in whys:
                if why not in lst and not (
                    parent is not None and split_identifier(parent)[0] == name
                ):
                    lst.append(why)
    return Resolution(
        candidates=candidates,
        extras=extras,
        required_by={k: tuple(v) for k, v in required_by.items()},
        requested=tuple(r for r in requirements if isinstance(r, SpecRequirement)),
        kinds={n: provider.kind(n) for n in candidates},
        skipped=dict(provider.unusable),
    )


def _too_deep(provider: SplitProvider, rounds: int) -> ResolutionConflictError:
    missing = unavailable_note(provider)
    if not missing:
        return ResolutionConflictError(
            f"The resolution did not finish after {rounds} rounds.",
            hint="Pin some versions (for example the ones pip would pick) to narrow the search.",
        )
    return ResolutionConflictError(
        f"The resolution did not finish after {rounds} rounds. {missing}",
        hint=unavailable_hint(provider),
    )


def _label(cand: Candidate) -> str:
    return f"{cand.name} {cand.version}"
