"""Shared fixtures: an app on a temporary SQLite file, with no AI unless a test asks."""

from __future__ import annotations

import pytest

from server import create_app


@pytest.fixture
def db_path(tmp_path):
    return str(tmp_path / "herd.db")


@pytest.fixture
def app(db_path):
    app = create_app({"DATABASE": db_path, "AI_ENABLED": False, "TESTING": True})
    yield app


@pytest.fixture
def client(app):
    return app.test_client()
