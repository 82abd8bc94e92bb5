"""Property tests: the user mapping-file parser never fails with anything but MappingFileError."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from pip_native.errors import MappingFileError
from pip_native.mapping.userfile import parse_user_mapping

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=30)
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
SECTIONS = st.sampled_from(["apt", "dnf", "conda", "brew", "external", "APT", "x", ""])
DOCUMENTS = st.dictionaries(
    SECTIONS,
    st.one_of(VALUES, st.dictionaries(st.text(max_size=20), VALUES, max_size=5)),
    max_size=4,
)


@settings(max_examples=300, deadline=None)
@given(DOCUMENTS, st.sampled_from(["apt", "dnf", "conda", "brew"]))
def test_any_document_parses_or_is_one_mapping_file_error(
    data: dict[str, Any], ecosystem: str
) -> None:
    try:
        layer = parse_user_mapping(Path("map.toml"), data, ecosystem)
    except MappingFileError as exc:
        assert "map.toml" in exc.message and exc.hint
    else:
        assert all(m.ecosystem == ecosystem for m in layer.matches.values())
