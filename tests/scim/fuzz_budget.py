"""The example budget of the property tests: small in ``make test``, larger on demand.

``SCIMDIR_FUZZ_EXAMPLES=3000 .venv/bin/python -m pytest tests/scim/test_fuzz_grammar.py`` runs
a longer search (docs/testing.md).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

FUZZ_EXAMPLES = int(os.environ.get("SCIMDIR_FUZZ_EXAMPLES", "60"))

FUZZ = settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
