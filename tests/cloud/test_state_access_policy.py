"""The state bucket's policy lets in only the environment's deploy role, its plan role (read, the lock objects,
the plan store) and a named break-glass role; bootstrap keeps and warns about statements it did not write.

Bootstrapped on a moto server, the bucket policy read back, and evaluated request by request (tests/iam_eval.py:
moto stores bucket policies but does not enforce them). Each principal is given AdministratorAccess as its
own policy, so that only the bucket policy can refuse it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from iam_eval import Request, allowed

pytestmark = [pytest.mark.moto]
ACCOUNT = "123456789012"
DEPLOY = f"arn:aws:iam::{ACCOUNT}:role/provision/acme-deploy"
PLAN = f"{DEPLOY}-plan"
BREAK_GLASS = f"arn:aws:iam::{ACCOUNT}:role/acme-break-glass"
ADMIN = f"arn:aws:iam::{ACCOUNT}:role/Admin"
BUCKET = "arn:aws:s3:::acme-provision-state-dev"
STATE = f"{BUCKET}/workspaces/churn-model/terraform.tfstate"
EVERYTHING = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


@pytest.fixture
def org(acme: Path, aws: Any) -> Path:
    config = acme / "provision.yaml"
    text = config.read_text().replace('"111111111111"', f'"{ACCOUNT}"')
    text = text.replace("    deploy_role_arn: arn:aws:iam::111111111111:role/acme-deploy\n", f"    deploy_role_arn: {DEPLOY}\n", 1)
    text = text.replace("arn:aws:iam::111111111111:role/acme-break-glass", BREAK_GLASS, 1)
    assert f"deploy_role_arn: {DEPLOY}\n    break_glass_role_arn: {BREAK_GLASS}\n" in text  # the example org's
    config.write_text(text)
    return acme


def s3() -> Any:
    import boto3

    return boto3.session.Session(region_name="eu-west-1").client("s3")


def bucket_policy() -> dict[str, Any]:
    return json.loads(s3().get_bucket_policy(Bucket="acme-provision-state-dev")["Policy"])


def may(policy: dict[str, Any], principal: str, action: str, resource: str) -> bool:
    context = {"aws:PrincipalArn": principal, "aws:SecureTransport": "true", "s3:TlsVersion": "1.3"}
    return allowed(Request(action, resource, principal=principal, context=context), identity=[EVERYTHING],
                   resource_policy=policy)


def test_fails_when_a_fourth_principal_reaches_the_state(org: Path, run):
    # GIVEN dev bootstrapped with its deploy, plan and break-glass roles
    result = run("bootstrap", "dev", "-o", "json")
    assert result.code == 0, result.err
    assert {"name": "state-access-policy", "action": "created",
            "detail": "denies every principal but the deploy, plan and break-glass roles",
            "security": True} in result.json()["steps"]
    policy = bucket_policy()
    # THEN an account administrator that is none of the three is refused every state operation
    for action, resource in (("s3:GetObject", STATE), ("s3:PutObject", STATE), ("s3:ListBucket", BUCKET),
                             ("s3:PutBucketPolicy", BUCKET), ("s3:DeleteObject", STATE)):
        assert not may(policy, ADMIN, action, resource), action
    # AND the deploy and break-glass roles read and write the state
    for role in (DEPLOY, BREAK_GLASS):
        assert may(policy, role, "s3:GetObject", STATE) and may(policy, role, "s3:PutObject", STATE)
    assert may(policy, BREAK_GLASS, "s3:PutBucketPolicy", BUCKET)
    # AND the plan role reads the state and writes only the lock object and the plan store
    assert may(policy, PLAN, "s3:GetObject", STATE) and may(policy, PLAN, "s3:ListBucket", BUCKET)
    assert may(policy, PLAN, "s3:PutObject", f"{STATE}.tflock")
    assert may(policy, PLAN, "s3:PutObject", f"{BUCKET}/workspaces/plans/{'a' * 40}/churn-model/plan.tfplan")
    assert not may(policy, PLAN, "s3:PutObject", STATE)
    assert not may(policy, PLAN, "s3:DeleteObject", STATE)
    assert not may(policy, PLAN, "s3:PutBucketPolicy", BUCKET)
    # AND TLS is still required of everyone
    assert not allowed(Request("s3:GetObject", STATE, principal=DEPLOY, context={
        "aws:PrincipalArn": DEPLOY, "aws:SecureTransport": "false"}), identity=[EVERYTHING], resource_policy=policy)


def test_bootstrap_keeps_and_warns_about_statements_it_did_not_write(org: Path, run):
    # GIVEN a bootstrapped bucket to which someone added their own statement
    assert run("bootstrap", "dev").code == 0
    policy = bucket_policy()
    extra = {"Sid": "LetAnalyticsRead", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/analytics"},
             "Action": "s3:GetObject", "Resource": f"{BUCKET}/*"}
    s3().put_bucket_policy(Bucket="acme-provision-state-dev",
                           Policy=json.dumps({**policy, "Statement": policy["Statement"] + [extra]}))
    # WHEN bootstrapped again
    result = run("bootstrap", "dev", "-o", "json")
    # THEN it warns, naming the statement, and keeps it (and the access statements still refuse that role)
    assert result.code == 0, result.err
    assert any("LetAnalyticsRead" in w for w in result.json()["warnings"])
    assert extra in bucket_policy()["Statement"]
    assert not may(bucket_policy(), f"arn:aws:iam::{ACCOUNT}:role/analytics", "s3:GetObject", STATE)
    text = run("bootstrap", "dev")
    assert "warning" in text.out and "LetAnalyticsRead" in text.out


def test_bootstrap_warns_when_no_break_glass_role_is_named(org: Path, run):
    # GIVEN dev without a break-glass role
    config = org / "provision.yaml"
    config.write_text(config.read_text().replace(f"    break_glass_role_arn: {BREAK_GLASS}\n", ""))
    # WHEN bootstrapped  THEN the state is left open to the account's policies, and bootstrap says so
    result = run("bootstrap", "dev", "-o", "json")
    assert result.code == 0, result.err
    assert any("break_glass_role_arn" in w for w in result.json()["warnings"])
    assert "state-access-policy" not in [s["name"] for s in result.json()["steps"]]
