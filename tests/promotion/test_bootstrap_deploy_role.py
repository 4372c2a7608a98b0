"""`provision bootstrap ENV` creates the environment's deploy role, idempotently, on a moto server.

Bootstrap runs with the shell's credentials (moto's default account 123456789012, which the example
org's dev environment is moved into here), before any deploy role exists.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.moto]
ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/provision/acme-deploy"
CI = f"arn:aws:iam::{ACCOUNT}:role/ci"


@pytest.fixture
def org(acme: Path, aws: Any) -> Path:
    config = acme / "provision.yaml"
    text = config.read_text().replace('"111111111111"', f'"{ACCOUNT}"')
    text = text.replace(f'  dev:\n    account_id: "{ACCOUNT}"\n', f'  dev:\n    account_id: "{ACCOUNT}"\n'
                        f'    deploy_role_arn: {ROLE}\n    external_id: acme-provision\n'
                        f'    deploy_role_trust: ["{CI}"]\n', 1)
    config.write_text(text)
    return acme


def iam() -> Any:
    import boto3

    return boto3.session.Session(region_name="eu-west-1").client("iam")


def test_bootstrap_creates_the_deploy_role_with_its_boundary_then_changes_nothing(org: Path, run):
    # WHEN dev is bootstrapped
    first = run("bootstrap", "dev", "-o", "json")
    # THEN the deploy role exists, trusting the CI role with the external id, bounded by the deploy policy
    assert first.code == 0, first.err
    assert {s["action"] for s in first.json()["deploy_role"]} == {"created"}
    role = iam().get_role(RoleName="acme-deploy")["Role"]
    assert role["Arn"] == ROLE
    trust = role["AssumeRolePolicyDocument"]
    trust = json.loads(trust) if isinstance(trust, str) else trust
    assert trust["Statement"][0]["Principal"] == {"AWS": CI}
    assert trust["Statement"][0]["Condition"] == {"StringEquals": {"sts:ExternalId": "acme-provision"}}
    boundary = f"arn:aws:iam::{ACCOUNT}:policy/acme-provision-deploy"
    assert role["PermissionsBoundary"]["PermissionsBoundaryArn"] == boundary
    attached = iam().list_attached_role_policies(RoleName="acme-deploy")["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [boundary]
    # AND the policy allows the blueprints' services and denies IAM users and organization administration
    version = iam().get_policy(PolicyArn=boundary)["Policy"]["DefaultVersionId"]
    document = iam().get_policy_version(PolicyArn=boundary, VersionId=version)["PolicyVersion"]["Document"]
    document = json.loads(document) if isinstance(document, str) else document
    statements = {s["Sid"]: s for s in document["Statement"]}
    assert "sagemaker:*" in statements["BlueprintServices"]["Action"]
    denied = statements["NoUsersOrOrganizationAdministration"]
    assert denied["Effect"] == "Deny" and {"iam:CreateUser", "organizations:*", "iam:CreateAccessKey"} <= set(denied["Action"])
    assert not any(a.startswith("iam:") and "User" in a for s in document["Statement"] if s["Effect"] == "Allow"
                   for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]]))
    # WHEN bootstrapped again  THEN nothing changes
    second = run("bootstrap", "dev", "-o", "json")
    assert second.code == 0, second.err
    assert {s["action"] for s in second.json()["deploy_role"]} == {"unchanged"}
    # AND every command of dev now goes through the role, which lands in dev's account
    doctor = run("doctor", "--env", "dev", "-o", "json")
    checks = {c["id"]: c for c in doctor.json()}
    assert checks["account:dev"]["status"] == "pass" and "deploy role" in checks["account:dev"]["detail"]


def test_bootstrap_check_reports_a_changed_trust_without_fixing_it(org: Path, run):
    # GIVEN a bootstrapped deploy role whose trust was changed by hand
    assert run("bootstrap", "dev").code == 0
    other = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}}]}
    iam().update_assume_role_policy(RoleName="acme-deploy", PolicyDocument=json.dumps(other))
    # WHEN checked  THEN it reports the drift (exit 1) and leaves the role as it is
    result = run("bootstrap", "dev", "--check", "-o", "json")
    assert result.code == 1
    assert {"name": "deploy role trust", "action": "would-update", "detail": f"trust {CI}"} in result.json()["deploy_role"]


def test_fails_when_nobody_may_assume_the_deploy_role(org: Path, run):
    # GIVEN a deploy role with no trusted principal
    config = org / "provision.yaml"
    config.write_text(config.read_text().replace(f'    deploy_role_trust: ["{CI}"]\n', ""))
    # WHEN bootstrapped  THEN it is invalid input naming the field, and no role is created
    result = run("bootstrap", "dev")
    assert result.code == 2
    assert "deploy_role_trust" in result.err
    assert iam().list_roles()["Roles"] == []
    # AND nothing else was created either (the state bucket waits for a valid config)
    import boto3

    assert boto3.session.Session(region_name="eu-west-1").client("s3").list_buckets()["Buckets"] == []
