"""Fixtures shared by the audit tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from audit_fixtures import FIXTURES


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES
