"""Fixtures of the local-cloud tests: a sandbox of the private example org, always stopped afterwards.

The sandbox is the real thing (`provision sandbox start` starts `python -m
provisioner.localcloud.server` in the background); each fixture stops exactly
the server it started, whatever the test did.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def sandbox(acme: Path) -> Iterator["object"]:
    """The org's local cloud, running; stopped (by its pid) when the test ends."""
    from provisioner.localcloud.sandbox import Sandbox

    box = Sandbox(acme)
    server, started, _ = box.start()
    assert started
    try:
        yield server
    finally:
        box.stop()


@pytest.fixture
def real_aws_identity(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A developer's real-looking AWS configuration: a credentials file with a profile, AWS_PROFILE set,
    keys exported, and a config file that sends that profile elsewhere. Local-cloud environments must
    ignore all of it."""
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    credentials = home / ".aws" / "credentials"
    credentials.write_text("[work]\naws_access_key_id = AKIAREALWORKPROFILE1\n"
                           "aws_secret_access_key = realsecretrealsecretrealsecretrealsecret\n")
    config = home / ".aws" / "config"
    config.write_text("[profile work]\nregion = us-east-2\nendpoint_url = https://example.invalid\n")
    values = {"AWS_PROFILE": "work", "AWS_SHARED_CREDENTIALS_FILE": str(credentials), "AWS_CONFIG_FILE": str(config),
              "AWS_ACCESS_KEY_ID": "AKIAREALEXPORTEDKEY1", "AWS_SECRET_ACCESS_KEY": "exportedsecretexportedsecret",
              "AWS_SESSION_TOKEN": "real-session-token", "HOME": str(home),
              # endpoint settings that would send an SDK around AWS_ENDPOINT_URL
              "AWS_ENDPOINT_URL_S3": "https://example.invalid", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"}
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return values
