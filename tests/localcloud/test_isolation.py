"""Isolation: a local-cloud environment never uses the user's AWS identity; a real one never the sandbox."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.moto]  # the local cloud (the `sandbox` fixture)


def _context(acme: Path, name: str):
    from provisioner.catalog.loader import Catalog
    from provisioner.models.org import load_org
    from provisioner.specs.workspaces import load_named

    org = load_org(acme / "provision.yaml")
    return load_named(org, Catalog.for_org(org), name)


def test_a_local_cloud_never_uses_the_users_profile_credentials_or_config(run, acme, sandbox, real_aws_identity,
                                                                          tmp_path):
    from provisioner.cloud.access import access_for
    from provisioner.engine.cliconfig import prepare
    from provisioner.engine.runner import Runner

    # GIVEN a developer's real AWS configuration (profile, credentials file, exported keys, a config file that
    # sends the profile to another endpoint) and the sandbox running
    ctx = _context(acme, "sandbox-trial")
    # WHEN provision builds the session of the local-cloud environment
    aws = access_for(ctx).aws()
    # THEN it has the fixed test credentials and talks to the sandbox, as the emulator's account
    credentials = aws.session.get_credentials().get_frozen_credentials()
    assert (credentials.access_key, credentials.secret_key, credentials.token) == ("test", "test", None)
    assert aws.client("sts", ctx.region).meta.endpoint_url == sandbox.endpoint
    assert aws.identity(ctx.region).account_id == "123456789012"
    # AND a command on it works (the profile's endpoint, example.invalid, would fail)
    result = run("status", "sandbox-trial")
    assert result.code == 0, result.err
    # AND Terraform's environment has the test identity and the endpoint, and none of the user's
    reach = access_for(ctx)
    terraform = Runner(None, prepare(tmp_path / "engine")).env(reach.terraform_env())  # type: ignore[arg-type]
    assert terraform["AWS_ACCESS_KEY_ID"] == "test" and terraform["TF_VAR_local_cloud_endpoint"] == sandbox.endpoint
    assert terraform["AWS_ENDPOINT_URL"] == sandbox.endpoint
    assert terraform["AWS_CONFIG_FILE"] == os.devnull and terraform["AWS_SHARED_CREDENTIALS_FILE"] == os.devnull
    assert not {"AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL_S3", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"} & set(terraform)
    assert "AKIAREAL" not in repr(terraform) and "realsecret" not in repr(terraform)


def test_the_sdk_exports_of_a_local_cloud_replace_the_users_identity(acme, sandbox, real_aws_identity, project_root):
    # GIVEN the developer's real AWS configuration in their shell, and the sandbox running
    # WHEN they load the workspace's SDK settings as the docs say, and a fresh SDK process asks who it is
    probe = ("import boto3; s = boto3.session.Session(); c = s.get_credentials(); "
             "print(c.access_key, s.region_name, s.client('sts').get_caller_identity()['Account'])")
    script = (f'eval "$({sys.executable} -m provisioner.cli.main env sandbox-trial --write)" && '
              f'{sys.executable} -c "{probe}" && echo "profile=${{AWS_PROFILE:-none}}"')
    env = {**os.environ, "PYTHONPATH": str(project_root)}
    done = subprocess.run(["bash", "-c", script], cwd=acme, env=env, capture_output=True, text=True, timeout=120)
    # THEN it is the local cloud's test identity in the environment's region, answered by the sandbox
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["test", "eu-west-1", "123456789012", "profile=none"]


def test_a_real_environment_never_talks_to_the_sandbox(run, acme, sandbox, monkeypatch):
    from provisioner.cloud.access import access_for

    import re

    # GIVEN the sandbox running, and no endpoint override or credentials in the shell (dev reached with the
    # shell's own credentials: its deploy role is left out, so the session is built without a first request)
    config = acme / "provision.yaml"
    config.write_text(re.sub(r"\n    (deploy_role_arn|break_glass_role_arn): \S+", "", config.read_text()))
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    log = acme / ".provision" / "sandbox" / "server.log"
    before = log.read_text()
    ctx = _context(acme, "churn-model")  # environment dev: a real AWS account
    # WHEN provision reaches the real environment
    reach = access_for(ctx)
    aws = access_for(ctx).aws()
    # THEN nothing of the local cloud is added, and its clients go to AWS
    assert reach.endpoint is None and reach.process_env() == {} and reach.terraform_env() == {}
    assert not aws.is_local
    assert aws.client("sts", ctx.region).meta.endpoint_url == "https://sts.eu-west-1.amazonaws.com"
    # AND a command on it fails on the missing credentials, without a single request to the sandbox
    result = run("status", "churn-model")
    assert result.code == 1 and "no usable AWS credentials" in result.err
    assert log.read_text() == before
