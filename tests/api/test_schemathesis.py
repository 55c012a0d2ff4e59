"""The API against its own OpenAPI schema (schemathesis), bounded: a few generated
requests per operation, as an admin (the broadest scope). No server error, no response
outside the documented schema or content type."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from tests.factories import TicketFactory


@pytest.fixture
def api_schema(api_world):
    # Like Django's test client: the WSGI app must not close the test's connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    TicketFactory(station=api_world["station"], category=api_world["category"])
    key = Token.objects.get(user=api_world["admin"]).key
    loaded = schemathesis.openapi.from_wsgi(
        "/api/v1/schema/?format=json", get_wsgi_application(), headers={"Authorization": f"Token {key}"}
    )
    loaded.auth_header = f"Token {key}"
    yield loaded
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_api_matches_its_schema(api_schema):
    """Every operation of the schema, a few generated requests each (fixed seed)."""
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 30
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=4,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case):
            case.call_and_validate(
                headers={"Authorization": api_schema.auth_header},
                checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
            )

        run()
