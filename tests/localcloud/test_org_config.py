"""`cloud: local` in provision.yaml: the emulator's account and local state, nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

from provisioner.errors import InvalidInput
from provisioner.models.org import LOCAL_CLOUD_ACCOUNT_ID, load_org


def _org(acme: Path, sandbox: str) -> Path:
    config = acme / "provision.yaml"
    text = config.read_text()
    start = text.index("  sandbox:\n")
    end = text.index("required_tags:")
    config.write_text(text[:start] + sandbox + text[end:])
    return config


def test_a_local_cloud_implies_the_emulators_account_and_local_state(acme: Path):
    # GIVEN the example org, whose sandbox says only `cloud: local` and a region
    org = load_org(acme / "provision.yaml")
    # WHEN its environments are read
    sandbox, dev = org.environment("sandbox"), org.environment("dev")
    # THEN the sandbox is a local cloud in the emulator's account with local state; dev is AWS
    assert sandbox.is_local and sandbox.account_id == LOCAL_CLOUD_ACCOUNT_ID == "123456789012"
    assert sandbox.state.backend == "local"
    assert not dev.is_local and dev.cloud == "aws"


def test_fails_when_a_local_cloud_names_another_account_or_a_state_bucket(acme: Path):
    # GIVEN a local cloud with a real account id, and another with S3 state
    config = _org(acme, '  sandbox:\n    cloud: local\n    account_id: "111111111111"\n    region: eu-west-1\n'
                        '  lab:\n    cloud: local\n    region: eu-west-1\n'
                        '    state: {backend: s3, bucket: acme-state}\n')
    # WHEN the org is loaded
    with pytest.raises(InvalidInput) as caught:
        load_org(config)
    # THEN both are reported at once, each with how to fix it
    lines = caught.value.lines()
    assert len(lines) == 2
    assert any("environments.sandbox" in line and "'111111111111' is not the local cloud's account" in line
               for line in lines)
    assert any("environments.lab" in line and "use `state: {backend: local}`" in line for line in lines)


def test_fails_when_a_local_cloud_names_a_deploy_role(acme: Path, run):
    # GIVEN a local cloud that names a deploy role (the local cloud has one account and test credentials)
    _org(acme, '  sandbox:\n    cloud: local\n    region: eu-west-1\n'
               '    deploy_role_arn: arn:aws:iam::123456789012:role/acme-deploy\n')
    # WHEN any command loads the org
    result = run("validate")
    # THEN it stops with invalid input (exit 2), one line naming the field and how to fix it, no traceback
    assert result.code == 2, result.err
    assert "environments.sandbox" in result.err and "deploy_role_arn cannot be used with `cloud: local`" in result.err
    assert "remove it" in result.err and "Traceback" not in result.err
