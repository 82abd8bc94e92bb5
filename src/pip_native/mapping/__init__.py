"""Name mapping between PyPI projects and system packages (apt now; dnf, conda, brew later).

Use :func:`load_mapping` to get a :class:`MappingTable` for an ecosystem, then
:meth:`MappingTable.lookup_many` (one batched ``exists`` call for all guesses).
Every :class:`MappingMatch` says where it came from (:meth:`MappingMatch.describe`).
"""

from __future__ import annotations

from pip_native.mapping.model import ECOSYSTEMS, SOURCE_KINDS, MappingLayer, MappingMatch
from pip_native.mapping.table import (
    ExistsFn,
    MappingTable,
    bundled_tables,
    load_bundled_table,
    load_mapping,
    load_pydist_file,
    load_table_file,
)
from pip_native.mapping.userfile import USER_FILE_EXAMPLE, load_user_file

__all__ = [
    "ECOSYSTEMS",
    "SOURCE_KINDS",
    "USER_FILE_EXAMPLE",
    "ExistsFn",
    "MappingLayer",
    "MappingMatch",
    "MappingTable",
    "bundled_tables",
    "load_bundled_table",
    "load_mapping",
    "load_pydist_file",
    "load_table_file",
    "load_user_file",
]
