"""Fixtures borrowed from the apps' test folders (the checks cut across them)."""

from tests.api.conftest import api_world  # noqa: F401
from tests.visits.conftest import day  # noqa: F401
