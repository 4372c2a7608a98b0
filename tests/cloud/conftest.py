"""Fixtures for the boto3 commands: the example org in moto's account, and seeding helpers.

Every test here talks to the session's moto server on 127.0.0.1 (the `aws`
fixture resets it and points AWS_ENDPOINT_URL at it). moto's account id is
123456789012; the `org` fixture adds `trial` (an AWS environment with local
state) and moves `dev` and `trial` into that account (`sandbox` is the local cloud, which has its own tests
in tests/localcloud) (prod stays in 222222222222, which these
credentials are not).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest


from .aws_seed import MOTO_ACCOUNT, REGION

# An AWS environment that keeps its state locally (the example org's sandbox is a local cloud).
TRIAL_ENVIRONMENT = """\
  trial:
    account_id: "111111111111"
    region: eu-west-1
    state:
      backend: local
"""

@pytest.fixture
def org(acme: Path, aws: Any, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example org with dev and trial (local state) in moto's account, selected through PROVISION_ORG."""
    config = acme / "provision.yaml"
    text = config.read_text().replace("required_tags:", TRIAL_ENVIRONMENT + "required_tags:", 1)
    # These tests are about the shell's own credentials: the example org's deploy roles are left out (the
    # deploy-role paths are tested in tests/promotion and tests/cloud/test_state_access_policy.py).
    text = re.sub(r"\n    (deploy_role_arn|break_glass_role_arn): \S+", "", text)
    config.write_text(text.replace('"111111111111"', f'"{MOTO_ACCOUNT}"'))
    monkeypatch.setenv("PROVISION_ORG", str(acme))
    monkeypatch.chdir(acme)
    return acme


@pytest.fixture
def run(org: Path, run):
    """`provision ARGS` in-process (tests/conftest.py), in the org whose account is moto's."""
    return run


@pytest.fixture
def stub_quotas(aws: Any) -> Iterator[Callable[..., Any]]:
    """An `Aws` whose Service Quotas client answers from a botocore Stubber; every other client talks to moto.

    moto implements no SageMaker quotas (Service Quotas there knows only a few
    VPC defaults, and ListServiceQuotas is an HTTP 500), so this one API is
    stubbed. The stub checks the request parameters, so a wrong service code
    or broken pagination fails the test.
    """
    from botocore.stub import Stubber

    from provisioner.cloud.aws import Aws

    stubbers: list[Stubber] = []

    def make(applied_pages: list[list[dict[str, Any]]], default_pages: list[list[dict[str, Any]]] | None = None,
             error: str | None = None) -> Aws:
        session = Aws()
        quotas_client = session.client("service-quotas", REGION)
        stubber = Stubber(quotas_client)
        if error:
            stubber.add_client_error("list_service_quotas", service_error_code=error, service_message="not allowed",
                                     http_status_code=400)
        for index, page in enumerate(applied_pages):
            params: dict[str, Any] = {"ServiceCode": "sagemaker", "MaxResults": 100}
            if index:
                params["NextToken"] = f"applied-{index}"
            reply: dict[str, Any] = {"Quotas": page}
            if index + 1 < len(applied_pages):
                reply["NextToken"] = f"applied-{index + 1}"
            stubber.add_response("list_service_quotas", reply, params)
        for index, page in enumerate(default_pages or []):
            params = {"ServiceCode": "sagemaker", "MaxResults": 100}
            if index:
                params["NextToken"] = f"default-{index}"
            reply = {"Quotas": page}
            if index + 1 < len(default_pages or []):
                reply["NextToken"] = f"default-{index + 1}"
            stubber.add_response("list_aws_default_service_quotas", reply, params)
        stubber.activate()
        stubbers.append(stubber)
        return session

    yield make
    for stubber in stubbers:
        stubber.assert_no_pending_responses()
        stubber.deactivate()


