"""The local cloud's services under test: one moto server process per session with `services.install()` run
before it serves (the way provisioner/localcloud/server.py loads them), and boto3 clients on it, reset
before every test (moto's reset API).
"""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator

import pytest

from moto_support import running_extended_server

from .roundtrip import PROJECT_ROOT, REGION


@pytest.fixture(scope="session")
def extended_moto() -> Iterator[str]:
    """A moto server process on 127.0.0.1 that installed the extensions before serving; yields its endpoint."""
    with running_extended_server(PROJECT_ROOT) as server:
        yield server.endpoint


@pytest.fixture
def client(extended_moto: str):
    """boto3 clients on the extended server, which starts every test empty (moto's reset API)."""
    import boto3

    urllib.request.urlopen(urllib.request.Request(f"{extended_moto}/moto-api/reset", method="POST"), timeout=10)
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )

    def make(service: str):
        return session.client(service, endpoint_url=extended_moto)

    return make
