"""provisioner/localcloud/guard.py in-process: what the running sandbox tests (test_sandbox_closed.py) cannot reach."""

from __future__ import annotations

import pytest


def test_fails_when_anything_in_moto_asks_for_a_docker_client(monkeypatch: pytest.MonkeyPatch):
    """An S3 or SNS trigger invoking a function reaches moto's Docker client without any Invoke request: the
    guard replaces the client itself. Checked in this process (the class is restored afterwards)."""
    from moto.utilities.docker_utilities import DockerModel

    from provisioner.localcloud.guard import refuse_containers

    monkeypatch.setattr(DockerModel, "docker_client", DockerModel.docker_client)  # restored when the test ends
    # GIVEN the guard's refusal installed  WHEN any moto model asks for its Docker client
    refuse_containers()
    with pytest.raises(RuntimeError) as raised:
        DockerModel().docker_client  # noqa: B018 - the property is the call under test
    # THEN it is refused, saying the local cloud never starts containers
    assert "never starts containers" in str(raised.value)
