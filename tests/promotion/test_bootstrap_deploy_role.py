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
    # (without the example's GitHub repository: these tests are about the deploy role of a CI role)
    text = text.replace("github_repository: acme/ml-platform\n", "", 1)
    text = text.replace("    deploy_role_arn: arn:aws:iam::111111111111:role/acme-deploy\n",
                        f'    deploy_role_arn: {ROLE}\n    external_id: acme-provision\n'
                        f'    deploy_role_trust: ["{CI}"]\n', 1)
    assert ROLE in text
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
    assert "sagemaker:*" in statements["OrgNamedResources"]["Action"]
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
    # AND read back, the role still trusts what the hand change wrote (--check writes nothing)
    assert trust_of("acme-deploy") == other


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


REPOSITORY = "acme/ml-platform"
PROVIDER = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
PLAN_ROLE = "acme-deploy-plan"


@pytest.fixture
def github_org(org: Path) -> Path:
    config = org / "provision.yaml"
    config.write_text(config.read_text().replace("engine: auto\n", f"engine: auto\ngithub_repository: {REPOSITORY}\n", 1))
    assert config.read_text().count("github_repository") == 1
    return org


def document(value: Any) -> dict[str, Any]:
    return json.loads(value) if isinstance(value, str) else value


def trust_of(name: str) -> dict[str, Any]:
    return document(iam().get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"])


def policy_document(arn: str) -> dict[str, Any]:
    version = iam().get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    return document(iam().get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"])


def github_job(subject: str, audience: str = "sts.amazonaws.com"):
    from iam_eval import Request

    return Request("sts:AssumeRoleWithWebIdentity", "*", principal=PROVIDER, context={
        "token.actions.githubusercontent.com:sub": subject, "token.actions.githubusercontent.com:aud": audience})


def test_bootstrap_creates_a_plan_role_for_pull_requests_and_an_apply_role_for_the_environment(github_org: Path, run):
    from iam_eval import trusted

    # WHEN dev is bootstrapped for the org's GitHub repository
    result = run("bootstrap", "dev", "-o", "json")
    assert result.code == 0, result.err
    # THEN GitHub's OIDC provider exists with STS as its audience
    provider = iam().get_open_id_connect_provider(OpenIDConnectProviderArn=PROVIDER)
    assert provider["ClientIDList"] == ["sts.amazonaws.com"]
    # AND read back, the plan role trusts exactly the repository's pull requests, through that provider
    plan_trust = trust_of(PLAN_ROLE)
    assert plan_trust["Statement"] == [{
        "Sid": "GitHubPullRequests", "Effect": "Allow", "Principal": {"Federated": PROVIDER},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                                       "token.actions.githubusercontent.com:sub": f"repo:{REPOSITORY}:pull_request"}}}]
    assert trusted(plan_trust, github_job(f"repo:{REPOSITORY}:pull_request"))
    # AND the apply (deploy) role trusts the repository's jobs in the GitHub environment `dev`, and the CI role
    apply_trust = trust_of("acme-deploy")
    assert trusted(apply_trust, github_job(f"repo:{REPOSITORY}:environment:dev"))
    # AND neither lets in another subject, another repository or another audience
    for role, trust in (("plan", plan_trust), ("apply", apply_trust)):
        for subject in (f"repo:{REPOSITORY}:ref:refs/heads/main", f"repo:{REPOSITORY}:environment:prod",
                        "repo:mallory/ml-platform:pull_request", "repo:mallory/ml-platform:environment:dev",
                        f"repo:{REPOSITORY}:pull_request" if role == "apply" else f"repo:{REPOSITORY}:environment:dev"):
            assert not trusted(trust, github_job(subject)), (role, subject)
    assert not trusted(plan_trust, github_job(f"repo:{REPOSITORY}:pull_request", audience="https://github.com/acme"))
    # AND the plan role's policy is also its permission boundary
    plan_policy = f"arn:aws:iam::{ACCOUNT}:policy/acme-dev-provision-plan"
    role = iam().get_role(RoleName=PLAN_ROLE)["Role"]
    assert role["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/provision/{PLAN_ROLE}"
    assert role["PermissionsBoundary"]["PermissionsBoundaryArn"] == plan_policy
    assert [p["PolicyArn"] for p in iam().list_attached_role_policies(RoleName=PLAN_ROLE)["AttachedPolicies"]] == [plan_policy]
    # WHEN bootstrapped again  THEN nothing changes
    again = run("bootstrap", "dev", "-o", "json")
    assert {s["action"] for s in again.json()["deploy_role"]} == {"unchanged"}


def test_the_plan_role_writes_nothing_but_the_state_lock_and_the_plan_store(github_org: Path, run):
    """The policy read back from IAM, evaluated request by request (tests/iam_eval.py: moto does not evaluate)."""
    from iam_eval import Request, allowed
    from iam_reference import actions

    # GIVEN dev bootstrapped, its plan policy read back
    assert run("bootstrap", "dev").code == 0, "bootstrap failed"
    policy = policy_document(f"arn:aws:iam::{ACCOUNT}:policy/acme-dev-provision-plan")
    state = "arn:aws:s3:::acme-provision-state-dev/workspaces"

    def may(action: str, resource: str, **context: Any) -> bool:
        return allowed(Request(action, resource, context=context), identity=[policy], boundary=policy)

    # THEN it reads the state and writes the lock object next to it, and the plan store
    assert may("s3:GetObject", f"{state}/churn-model/terraform.tfstate")
    assert may("s3:PutObject", f"{state}/churn-model/terraform.tfstate.tflock")
    assert may("s3:DeleteObject", f"{state}/churn-model/terraform.tfstate.tflock")
    assert may("s3:PutObject", f"{state}/plans/{'a' * 40}/churn-model/plan.tfplan")
    # AND it cannot write or delete the state itself, nor read or write any other bucket's objects
    assert not may("s3:PutObject", f"{state}/churn-model/terraform.tfstate")
    assert not may("s3:DeleteObject", f"{state}/churn-model/terraform.tfstate")
    assert not may("s3:GetObject", "arn:aws:s3:::acme-churn-model-dev-data/train.csv")
    assert not may("s3:PutObject", "arn:aws:s3:::acme-churn-model-dev-data/x.tflock")
    # AND it creates, changes and passes nothing
    for action in ("sagemaker:CreateEndpoint", "iam:CreateRole", "iam:PassRole", "iam:PutRolePolicy",
                   "kms:ScheduleKeyDeletion", "kms:PutKeyPolicy", "s3:PutBucketPolicy", "ecr:PutImage",
                   "sts:AssumeRole"):
        assert not may(action, "*"), action
    # AND it decrypts only through S3 (the state's key), never directly
    assert may("kms:Decrypt", f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/k", **{"kms:ViaService": "s3.eu-west-1.amazonaws.com"})
    assert not may("kms:Decrypt", f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/k")
    # AND every action of its read-only statement is a Read or List action (AWS's Service Authorization Reference)
    [read_only] = [s for s in policy["Statement"] if s["Sid"] == "ReadOnly"]
    from iam_reference import _reference

    for pattern in read_only["Action"]:
        for action in actions(pattern):
            service, name = action.name.split(":")
            level = _reference()[service]["privileges"][name]["access_level"]
            assert level in ("Read", "List"), (action.name, level)


def test_bootstrap_check_reads_back_every_role_unchanged(github_org: Path, run):
    # GIVEN bootstrapped roles whose trusts were changed by hand
    assert run("bootstrap", "dev").code == 0
    other = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}}]}
    for name in ("acme-deploy", PLAN_ROLE):
        iam().update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(other))
    # WHEN checked
    result = run("bootstrap", "dev", "--check", "-o", "json")
    # THEN both drifts are reported (exit 1)
    assert result.code == 1
    actions = {s["name"]: s["action"] for s in result.json()["deploy_role"]}
    assert actions["deploy role trust"] == actions["plan role trust"] == "would-update"
    # AND read back, both roles still hold the hand-made trust: --check wrote nothing
    assert trust_of("acme-deploy") == other and trust_of(PLAN_ROLE) == other


def test_bootstrap_check_on_a_new_account_creates_nothing(github_org: Path, run):
    # WHEN a never-bootstrapped account is checked
    result = run("bootstrap", "dev", "--check", "-o", "json")
    # THEN everything is reported as would-create (exit 1) and, read back, nothing exists
    assert result.code == 1
    assert {s["action"] for s in result.json()["deploy_role"]} == {"would-create"}
    assert iam().list_roles()["Roles"] == []
    assert iam().list_policies(Scope="Local")["Policies"] == []
    assert iam().list_open_id_connect_providers()["OpenIDConnectProviderList"] == []


def test_fails_when_a_principal_outside_the_orgs_accounts_has_no_external_id(org: Path, run):
    # GIVEN a vendor's CI role (an account that is none of the org's) trusted without an external id
    config = org / "provision.yaml"
    vendor = "arn:aws:iam::999999999999:role/vendor-ci"
    text = config.read_text().replace("    external_id: acme-provision\n", "").replace(f'["{CI}"]', f'["{CI}", "{vendor}"]')
    config.write_text(text)
    # WHEN bootstrapped  THEN invalid input (exit 2) naming the field and the fix, and nothing is created
    result = run("bootstrap", "dev")
    assert result.code == 2
    assert "environments.dev.deploy_role_trust" in result.err and vendor in result.err and "external_id" in result.err
    assert iam().list_roles()["Roles"] == []
    # AND with an external id the same trust is accepted, and required by the role's trust
    config.write_text(text.replace(f"    deploy_role_arn: {ROLE}\n", f"    deploy_role_arn: {ROLE}\n    external_id: vendor-7\n"))
    assert run("bootstrap", "dev").code == 0
    from iam_eval import Request, trusted

    trust = trust_of("acme-deploy")
    assert trusted(trust, Request("sts:AssumeRole", "*", principal=vendor, context={"sts:ExternalId": "vendor-7"}))
    assert not trusted(trust, Request("sts:AssumeRole", "*", principal=vendor))


def test_deploy_role_sessions_carry_the_person_or_ci_run_as_source_identity(org: Path, run, monkeypatch):
    from iam_eval import Request, trusted

    from provisioner.cloud.aws import source_identity

    # GIVEN the bootstrapped deploy role
    assert run("bootstrap", "dev").code == 0
    # THEN its trust lets the named principals set a source identity (else AssumeRole with one is refused)
    assert trusted(trust_of("acme-deploy"), Request("sts:SetSourceIdentity", "*", principal=CI,
                                                    context={"sts:ExternalId": "acme-provision"}))
    # AND a session names the CI run when the workflow says so, else the person at the shell
    monkeypatch.setenv("PROVISION_SOURCE_IDENTITY", "github-acme/ml-platform-1234")
    assert source_identity() == "github-acme-ml-platform-1234"
    monkeypatch.delenv("PROVISION_SOURCE_IDENTITY")
    import getpass

    assert source_identity() == getpass.getuser()[:64]
