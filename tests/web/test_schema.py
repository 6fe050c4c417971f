"""schemathesis against the OpenAPI schema: every operation, generated requests, zero
failures (no 5xx, every status, content type and body as the schema documents them).

One check is left out: ``positive_data_acceptance`` (schema-valid bodies must be accepted),
because a scenario's channel names belong to each run and cannot be in a static schema, so
an unknown channel is rightly a 422. Driven through schemathesis' Python API inside a normal test, so that it runs in `make
test` without its pytest plugin.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemathesis.checks import positive_data_acceptance

from mixcast.web import create_app
from mixcast.web.security import Limits

EXAMPLES = 20


@pytest.fixture(scope="module")
def schema(runs_dir):
    # Fuzzing sends requests faster than a person; the rate limit is tested on its own.
    app = create_app(runs_dir, limits=Limits(requests_per_minute=1_000_000))
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def test_schemathesis_finds_no_failure_in_any_operation(schema):
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 7
    failures = []
    for operation in operations:
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(), real_run=st.booleans())
        def check(case, real_run: bool) -> None:
            # Half the requests name a real run, so that bodies reach the model code.
            if real_run and "run" in (case.path_parameters or {}):
                case.path_parameters["run"] = "small"
            case.call_and_validate(excluded_checks=[positive_data_acceptance])

        try:
            check()
        except Exception as error:  # noqa: BLE001 - collected, reported together below
            failures.append(f"{operation.label}: {error}")
    assert not failures, "\n\n".join(failures)
