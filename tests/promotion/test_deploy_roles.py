"""Deploy roles per environment on a moto server: every command reaches each environment's account through
its role (moto's AssumeRole hands out credentials that act in the role's account; the shell's own
credentials are moto's default account 123456789012, which no environment of the example org uses).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .test_promotion import DEV, PROD, REGION, deploy_role, session, with_deploy_roles

pytestmark = [pytest.mark.moto]
WRONG = "333333333333"


@pytest.fixture
def roles(acme: Path, aws: Any) -> Path:
    with_deploy_roles(acme)
    return acme


def tagged_bucket(account: str, name: str, workspace: str, environment: str) -> None:
    s3 = session(account).client("s3")
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [
        {"Key": "provision:org", "Value": "acme"}, {"Key": "provision:workspace", "Value": workspace},
        {"Key": "provision:environment", "Value": environment}]})


def test_inventory_covers_both_accounts_in_one_run(roles: Path, run, today):
    # GIVEN a workspace's bucket in dev's account and one in prod's, on a day no dev or prod spec has expired
    tagged_bucket(DEV, "acme-churn-model-dev-data-111111111111", "churn-model", "dev")
    tagged_bucket(PROD, "acme-churn-serving-prod-data-222222222222", "churn-serving", "prod")
    # WHEN the inventory of dev and prod is taken in one run
    result = run("inventory", "--env", "dev", "--env", "prod", "-o", "json")
    # THEN it succeeds (findings are data, never a failed exit) and finds nothing expired on that day
    assert result.code == 0, result.err
    report = result.json()
    assert report["expired"] == []
    # AND both environments were scanned through their roles, and each resource was found in its own account
    assert report["environments"] == ["dev", "prod"] and report["skipped_environments"] == {}
    found = {name: [r["arn"] for r in items] for name, items in report["workspaces"].items()}
    assert found["churn-model"] == ["arn:aws:s3:::acme-churn-model-dev-data-111111111111"]
    assert found["churn-serving"] == ["arn:aws:s3:::acme-churn-serving-prod-data-222222222222"]


def test_doctor_checks_each_environment_role_lands_in_its_account(roles: Path, run):
    # GIVEN dev's role right and prod's pointing at another account
    config = roles / "provision.yaml"
    config.write_text(config.read_text().replace(deploy_role(PROD), f"arn:aws:iam::{WRONG}:role/acme-deploy"))
    # WHEN doctor runs
    result = run("doctor", "-o", "json")
    checks = {c["id"]: c for c in result.json()}
    # THEN dev passes, landing in its account through its role, and prod fails naming both accounts (exit 1)
    assert result.code == 1
    assert checks["account:dev"]["status"] == "pass" and f"lands in account {DEV}" in checks["account:dev"]["detail"]
    assert checks["account:prod"]["status"] == "fail"
    assert WRONG in checks["account:prod"]["detail"] and PROD in checks["account:prod"]["detail"]


def test_status_talks_to_the_workspace_account(roles: Path, run):
    # GIVEN churn-serving's registry in prod's account
    from .test_promotion import names_of

    names = names_of(roles, "churn-serving")
    session(PROD).client("sagemaker").create_model_package_group(ModelPackageGroupName=names.model_package_group)
    # WHEN its status is asked for
    result = run("status", "churn-serving", "-o", "json")
    # THEN it was read in prod's account through prod's role
    assert result.code == 0, result.err
    assert result.json()["account_id"] == PROD


@pytest.mark.parametrize("command", [("plan", "churn-serving"), ("plan", "--all"), ("preflight", "churn-serving"),
                                     ("status", "churn-serving")])
def test_fails_when_a_role_lands_in_the_wrong_account_before_anything_runs(roles: Path, run, command):
    # GIVEN prod's deploy role in another account than prod's
    config = roles / "provision.yaml"
    config.write_text(config.read_text().replace(deploy_role(PROD), f"arn:aws:iam::{WRONG}:role/acme-deploy"))
    # WHEN a command for prod runs
    result = run(*command)
    # THEN it is refused (exit 1) naming both account ids, and no plan was made
    assert result.code == 1, result.err + result.out
    assert WRONG in result.err + result.out and PROD in result.err + result.out
    assert not (roles / ".provision" / "plans").exists()


def test_audit_shows_the_deploy_role_and_what_its_boundary_allows(roles: Path, run):
    # WHEN a prod workspace is audited
    result = run("audit", "churn-serving", "--no-checkov", "-f", "json")
    # THEN its report names prod's deploy role and its plan role, and their policies statement by statement
    assert result.code == 0, result.err
    role = result.json()["deploy_role"]
    assert role["role_arn"] == deploy_role(PROD) and role["policy"] == "acme-provision-deploy"
    assert {"iam:CreateUser", "organizations:*"} <= set(role["denies"])
    statements = {s["sid"]: s for s in role["statements"]}
    assert statements["OrgRolesOnlyWithTheBoundary"]["condition"] == {"StringEquals": {
        "iam:PermissionsBoundary": f"arn:aws:iam::{PROD}:policy/acme-provision-workload-boundary"}}
    assert statements["NoChangeToItsOwnRoles"]["resources"] == [deploy_role(PROD), f"{deploy_role(PROD)}-plan"]
    named = statements["OrgNamedResources"]
    assert "sagemaker:*" in named["actions"] and f"arn:aws:sagemaker:*:{PROD}:*/acme-*" in named["resources"]
    assert not [a for a in role["allows"] if a.startswith(("s3:* on *", "sagemaker:* on *", "kms:* on *"))]
    assert role["plan_role"]["role_arn"] == f"{deploy_role(PROD)}-plan"
    assert {s["sid"] for s in role["plan_role"]["statements"]} >= {"ReadOnly", "StateLockOnly"}
    text = run("audit", "churn-serving", "--no-checkov")
    assert f"Deployed by: {deploy_role(PROD)}" in text.out and f"Planned by: {deploy_role(PROD)}-plan" in text.out
