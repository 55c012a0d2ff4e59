"""Fixtures of the notifications tests."""

from tests.visits.conftest import day  # noqa: F401  (the reception-day fixture)
