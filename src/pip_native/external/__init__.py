"""PEP 725 external dependencies: reading ``[external]``, PEP 804 mappings, and reports for packagers."""

from __future__ import annotations

from pip_native.external.lookup import (
    BUNDLED_FILES,
    ExternalLayer,
    ExternalMapping,
    ExternalMatch,
    load_external_mapping,
    load_user_overrides,
)
from pip_native.external.pep804 import (
    KnownEcosystems,
    MappingDocument,
    PackageManager,
    Registry,
    load_ecosystem_mapping,
    load_known_ecosystems,
    load_mapping_document,
    load_registry,
)
from pip_native.external.report import external_report, map_identifier
from pip_native.external.requirements import (
    Category,
    ExternalRequirement,
    ExternalRequirements,
    parse_core_metadata,
    parse_external_table,
    read_external,
)

__all__ = [
    "BUNDLED_FILES",
    "Category",
    "ExternalLayer",
    "ExternalMapping",
    "ExternalMatch",
    "ExternalRequirement",
    "ExternalRequirements",
    "KnownEcosystems",
    "MappingDocument",
    "PackageManager",
    "Registry",
    "external_report",
    "load_ecosystem_mapping",
    "load_external_mapping",
    "load_known_ecosystems",
    "load_mapping_document",
    "load_registry",
    "load_user_overrides",
    "map_identifier",
    "parse_core_metadata",
    "parse_external_table",
    "read_external",
]
