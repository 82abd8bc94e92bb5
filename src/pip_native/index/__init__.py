"""The PyPI side of pip-native: Simple API index client, file selection and core metadata."""

from __future__ import annotations

from pip_native.index.client import PackageIndex
from pip_native.index.config import IndexConfig, redact_url
from pip_native.index.files import DistFile
from pip_native.index.metadata import CoreMetadata, parse_core_metadata
from pip_native.index.select import newest_release_is_pure, pure_wheels

__all__ = [
    "CoreMetadata",
    "DistFile",
    "IndexConfig",
    "PackageIndex",
    "newest_release_is_pure",
    "parse_core_metadata",
    "pure_wheels",
    "redact_url",
]
