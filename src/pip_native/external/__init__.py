"""PEP 725 external dependencies: reading ``[external]``, PEP 804 mappings, and reports for packagers.

Import the submodule that owns what you need (kept apart so that a plan loads only
what it uses):

- :mod:`~pip_native.external.requirements`: ``[external]`` tables and
  ``Requires-External-Dep`` metadata (:func:`read_external`, :class:`ExternalRequirement`).
- :mod:`~pip_native.external.lookup`: the layered identifier mapping
  (:func:`load_external_mapping`).
- :mod:`~pip_native.external.pep804`: PEP 804 registry and mapping documents.
- :mod:`~pip_native.external.report`: the ``pip-native external`` and ``map`` output.
- :mod:`~pip_native.external.constraints`, :mod:`~pip_native.external.fetch`: version
  clauses, and fetching remote mapping documents.
"""
