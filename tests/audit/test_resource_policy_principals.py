"""PROV-034 and PROV-035 read every way a resource policy names who it lets in.

A policy open to everyone is written `"Principal": "*"`, `{"AWS": "*"}` or `{"AWS": ["*"]}` (or as an Allow
with a NotPrincipal); an account as its root ARN or its bare id; a role by its ARN; an AWS service by its
service principal. Each form is tried on each resource kind that promotion grants through (image repository,
model registry, bucket, key, topic). The open forms failed neither rule before they were read as "everyone"
(PROV-034 passed them, PROV-035 said not applicable).
"""

from __future__ import annotations

import json

import pytest

from provisioner.audit.config import WorkspaceFacts, config_from_dict
from provisioner.audit.pack import run_pack
from provisioner.audit.rules import load_rules

OWN, PROD, OUTSIDE = "111111111111", "222222222222", "999999999999"
FACTS = WorkspaceFacts(account_id=OWN, org_accounts=(OWN, PROD))
RULES = {rule.id: rule for rule in load_rules()}

# (resource type, its policy attribute, other arguments, a read-only action of that service)
RESOURCES = {
    "ecr": ("aws_ecr_repository_policy", "policy", {"repository": "images"}, "ecr:BatchGetImage"),
    "registry": ("aws_sagemaker_model_package_group_policy", "resource_policy",
                 {"model_package_group_name": "models"}, "sagemaker:DescribeModelPackage"),
    "bucket": ("aws_s3_bucket_policy", "policy", {"bucket": "artifacts"}, "s3:GetObject"),
    "key": ("aws_kms_key", "policy", {"description": "k"}, "kms:Decrypt"),
    "topic": ("aws_sns_topic_policy", "policy", {"arn": "arn:aws:sns:eu-west-1:111111111111:alerts"}, "sns:Subscribe"),
}
OPEN_TO_EVERYONE = {
    "star": {"Principal": "*"},
    "aws-star": {"Principal": {"AWS": "*"}},
    "aws-star-list": {"Principal": {"AWS": ["*"]}},
    "not-principal": {"NotPrincipal": {"AWS": f"arn:aws:iam::{OWN}:root"}},
    "star-with-unrelated-condition": {"Principal": {"AWS": "*"},
                                      "Condition": {"Bool": {"aws:SecureTransport": "true"}}},
}
OUTSIDE_THE_ORG = {
    "account-root": {"Principal": {"AWS": f"arn:aws:iam::{OUTSIDE}:root"}},
    "bare-account-id": {"Principal": {"AWS": OUTSIDE}},
    "role-arn": {"Principal": {"AWS": f"arn:aws:iam::{OUTSIDE}:role/reader"}},
    "star-narrowed-to-an-outside-account": {"Principal": "*",
                                            "Condition": {"StringEquals": {"aws:PrincipalAccount": OUTSIDE}}},
}
INSIDE_THE_ORG = {
    "account-root": {"Principal": {"AWS": f"arn:aws:iam::{PROD}:root"}},
    "bare-account-id": {"Principal": {"AWS": PROD}},
    "role-arn": {"Principal": {"AWS": [f"arn:aws:iam::{PROD}:role/reader"]}},
    "star-narrowed-to-the-org": {"Principal": "*", "Condition": {"StringEquals": {"aws:PrincipalAccount": [PROD]}}},
}


def _config(kind: str, principal: dict, *, effect: str = "Allow"):
    type_, attribute, others, action = RESOURCES[kind]
    policy = {"Version": "2012-10-17", "Statement": [{"Sid": "Grant", "Effect": effect, "Action": action,
                                                      "Resource": "*", **principal}]}
    raw = {"resource": {type_: {"it": {**others, attribute: json.dumps(policy)}}}}
    return config_from_dict(raw, workspace=FACTS), f"{type_}.it"


def _findings(rule_id: str, config) -> list[str]:
    return [f"{f.address}: {f.message}" for f in run_pack(config, [RULES[rule_id]]).findings]


@pytest.mark.parametrize("kind", RESOURCES)
@pytest.mark.parametrize("form", OPEN_TO_EVERYONE)
def test_fails_when_a_resource_policy_is_open_to_everyone(kind: str, form: str):
    # GIVEN a resource policy that allows a read to everyone, written in one of the forms AWS accepts
    config, address = _config(kind, OPEN_TO_EVERYONE[form])
    # WHEN PROV-034 and PROV-035 judge it
    outside, not_read_only = _findings("PROV-034", config), _findings("PROV-035", config)
    # THEN both fail it, saying it is open to everyone
    assert len(outside) == 1 and outside[0].startswith(address) and "everyone" in outside[0]
    assert len(not_read_only) == 1 and not_read_only[0].startswith(address) and "everyone" in not_read_only[0]


@pytest.mark.parametrize("kind", RESOURCES)
@pytest.mark.parametrize("form", OUTSIDE_THE_ORG)
def test_fails_when_a_resource_policy_names_an_account_outside_the_org(kind: str, form: str):
    # GIVEN a resource policy that allows a read to an account no environment of the org has
    config, address = _config(kind, OUTSIDE_THE_ORG[form])
    # WHEN PROV-034 judges it
    found = _findings("PROV-034", config)
    # THEN it fails, naming the account
    assert len(found) == 1 and found[0].startswith(address) and OUTSIDE in found[0]


@pytest.mark.parametrize("kind", RESOURCES)
@pytest.mark.parametrize("form", INSIDE_THE_ORG)
def test_a_read_grant_to_another_environment_of_the_org_passes(kind: str, form: str):
    # GIVEN a resource policy that allows a read to prod's account (promotion), in each form that names it
    config, _ = _config(kind, INSIDE_THE_ORG[form])
    # WHEN PROV-034 and PROV-035 judge it  THEN neither finds anything, and both evaluated it (PROV-035 on
    # what promotion grants: a topic has no read-only action it allows another account)
    for rule_id in ("PROV-034", "PROV-035") if kind != "topic" else ("PROV-034",):
        result = run_pack(config, [RULES[rule_id]])
        assert [f.message for f in result.findings] == [] and result.stats[rule_id].passed == 1, rule_id


@pytest.mark.parametrize("kind", RESOURCES)
def test_a_service_principal_is_no_account_grant(kind: str):
    # GIVEN a resource policy that lets an AWS service (not an account) use the resource
    config, _ = _config(kind, {"Principal": {"Service": "sagemaker.amazonaws.com"}})
    # WHEN PROV-034 judges it  THEN it is not read as a grant to another account
    assert _findings("PROV-034", config) == []


@pytest.mark.parametrize("kind", RESOURCES)
@pytest.mark.parametrize("form", ["star", "aws-star-list"])
def test_a_deny_to_everyone_is_no_grant(kind: str, form: str):
    # GIVEN a resource policy that denies everyone (TLS-only statements are written this way)
    config, _ = _config(kind, OPEN_TO_EVERYONE[form], effect="Deny")
    # WHEN PROV-034 and PROV-035 judge it  THEN it opens nothing
    assert _findings("PROV-034", config) == [] and _findings("PROV-035", config) == []
