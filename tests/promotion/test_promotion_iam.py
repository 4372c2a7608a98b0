"""Both sides of a promotion agree: what the prod endpoint does with a model promoted from dev, the prod
execution role's policy allows and dev's resource policies allow for prod's account, and nothing more.

The policies come from a real synth of churn-model (dev, 111111111111) and churn-serving (prod,
222222222222). IAM is evaluated by `allows` below, written from the IAM documentation for the operators
these policies use (AWS offers no offline simulator and moto does not evaluate policies). A cross-account
call needs both: an Allow in the caller's identity policy and one for its account in the resource policy.
"""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass, field

import pytest

from infra.resource_names import WorkspaceNames
from provisioner.catalog.loader import Catalog
from provisioner.models.org import load_org
from provisioner.specs.workspaces import load_named

from .conftest import EXAMPLE_ORG

pytestmark = [pytest.mark.synth]
DEV, PROD = "111111111111", "222222222222"
PROD_ROOT = f"arn:aws:iam::{PROD}:root"
TLS = {"aws:SecureTransport": ["true"], "s3:TlsVersion": ["1.3"]}  # every call provision and SageMaker make
KEY_ARN = f"arn:aws:kms:eu-west-1:{DEV}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@dataclass(frozen=True)
class Call:
    action: str
    resource: str
    context: dict[str, list[str]] = field(default_factory=dict)


def _list(value) -> list:
    return value if isinstance(value, list) else [value]


def _conditions_hold(statement: dict, context: dict[str, list[str]]) -> bool:
    for operator, tests in statement.get("Condition", {}).items():
        for key, wanted in tests.items():
            present, wanted = {**TLS, **context}.get(key), _list(wanted)
            if operator == "ForAnyValue:StringEquals":
                if not present or not any(v in wanted for v in present):
                    return False
            elif operator == "Bool":
                if present != wanted:
                    return False
            elif operator == "NumericLessThan":
                if not present or not float(present[0]) < float(wanted[0]):
                    return False
            else:
                raise AssertionError(f"the evaluator does not know {operator}")
    return True


def allows(policy: dict, call: Call, principal: str | None = None) -> bool:
    """IAM's verdict from this policy alone; `principal` for a resource policy (whose Resource may be absent)."""
    verdicts = []
    for statement in policy["Statement"]:
        if principal is not None:
            given = statement.get("Principal") or {}
            named = ["*"] if given == "*" else _list(given.get("AWS", []))
            if principal not in named and "*" not in named:
                continue
        if not any(fnmatch.fnmatchcase(call.action.lower(), a.lower()) for a in _list(statement["Action"])):
            continue
        if "Resource" in statement and not any(fnmatch.fnmatchcase(call.resource, r) for r in _list(statement["Resource"])):
            continue
        if _conditions_hold(statement, call.context):
            verdicts.append(statement["Effect"])
    return "Deny" not in verdicts and "Allow" in verdicts


@pytest.fixture(scope="module")
def sides(synthesized):
    org = load_org(str(EXAMPLE_ORG))
    catalog = Catalog.for_org(org)
    source = WorkspaceNames.of(load_named(org, catalog, "churn-model"))
    dev, prod = synthesized["churn-model"]["resource"], synthesized["churn-serving"]["resource"]
    policies = {
        "role": json.loads(prod["aws_iam_role_policy"]["execution_role"]["policy"]),
        "s3": json.loads(dev["aws_s3_bucket_policy"]["artifacts"]["policy"]),
        "kms": json.loads(dev["aws_kms_key"]["key"]["policy"]),
        "ecr": json.loads(dev["aws_ecr_repository_policy"]["images"]["policy"]),
        "sagemaker": json.loads(dev["aws_sagemaker_model_package_group_policy"]["models"]["resource_policy"]),
    }
    return source, policies


def endpoint_calls(source: WorkspaceNames) -> list[Call]:
    """What SageMaker does as prod's execution role to run a model promoted from dev (image and model data in dev)."""
    model_data = f"arn:aws:s3:::{source.artifacts_bucket}/{source.model_artifacts_prefix}/job-1/output/model.tar.gz"
    aliases = {"kms:ResourceAliases": [source.key_alias]}
    return [
        Call("s3:GetObject", model_data),
        Call("kms:Decrypt", KEY_ARN, aliases),
        Call("kms:DescribeKey", KEY_ARN, aliases),
        Call("ecr:BatchCheckLayerAvailability", source.image_repository_arn),
        Call("ecr:BatchGetImage", source.image_repository_arn),
        Call("ecr:GetDownloadUrlForLayer", source.image_repository_arn),
    ]


def test_every_call_of_the_prod_endpoint_is_allowed_on_both_sides(sides):
    # GIVEN the synthesized policies of both workspaces
    source, policies = sides
    for call in endpoint_calls(source):
        # WHEN prod's endpoint reads the promoted model's data, key and image in dev
        service = call.action.split(":")[0]
        # THEN prod's execution role may, and dev's resource policy lets prod's account
        assert allows(policies["role"], call), call
        assert allows(policies[service], call, principal=PROD_ROOT), call
    # AND ECR authorization (account-wide, no resource policy) is in the role's policy
    assert allows(policies["role"], Call("ecr:GetAuthorizationToken", "*"))


def test_cross_account_grants_are_exactly_what_the_endpoint_uses(sides):
    # GIVEN the statements naming prod's account in dev's key, bucket and repository policies
    source, policies = sides
    used = {c.action for c in endpoint_calls(source)}
    granted = set()
    for service in ("s3", "kms", "ecr"):
        for statement in policies[service]["Statement"]:
            if statement["Effect"] == "Allow" and PROD_ROOT in _list((statement.get("Principal") or {}).get("AWS", [])):
                granted.update(_list(statement["Action"]))
    # THEN they grant exactly the endpoint's calls
    assert granted == used
    # AND the prod role's statements on dev's resources are exactly those calls (plus ECR's account-wide token)
    on_dev = {a for s in policies["role"]["Statement"] for a in _list(s["Action"])
              if any(f":{DEV}:" in r or DEV in r for r in _list(s["Resource"]))}
    assert on_dev == used
    # AND the registry lets prod's account read versions and create models from them, nothing else
    [registry] = policies["sagemaker"]["Statement"]
    assert registry["Principal"] == {"AWS": PROD_ROOT}
    assert sorted(registry["Action"]) == sorted(["sagemaker:DescribeModelPackageGroup", "sagemaker:DescribeModelPackage",
                                                 "sagemaker:ListModelPackages", "sagemaker:CreateModel"])


def test_the_evaluator_denies_what_the_policies_do_not_grant(sides):
    # GIVEN allowed reads  WHEN one property is changed at a time
    source, policies = sides
    outside = f"arn:aws:s3:::{source.artifacts_bucket}/data/secret.csv"
    write = Call("s3:PutObject", f"arn:aws:s3:::{source.artifacts_bucket}/{source.model_artifacts_prefix}/x")
    other_key = Call("kms:Decrypt", KEY_ARN, {"kms:ResourceAliases": ["alias/someone-else"]})
    # THEN objects outside the models prefix, writes, other keys and other accounts are refused
    assert not allows(policies["role"], Call("s3:GetObject", outside))
    assert not allows(policies["s3"], Call("s3:GetObject", outside), principal=PROD_ROOT)
    assert not allows(policies["role"], write) and not allows(policies["s3"], write, principal=PROD_ROOT)
    assert not allows(policies["role"], other_key)
    assert not allows(policies["ecr"], Call("ecr:PutImage", source.image_repository_arn), principal=PROD_ROOT)
    assert not allows(policies["ecr"], Call("ecr:BatchGetImage", source.image_repository_arn),
                      principal="arn:aws:iam::333333333333:root")
