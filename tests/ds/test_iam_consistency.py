"""The guardrail check and the workspace's IAM policy agree: what `provision train` sends, IAM allows;
what the check refuses on an IAM-enforced guardrail, IAM denies too.

The access policy comes from a real synth (cdktn, jsii) of the example workspaces. The IAM condition
operators it uses are evaluated by `allows` below, written from the IAM documentation (AWS offers no
offline policy simulator, and moto does not evaluate IAM conditions).
"""

from __future__ import annotations

import dataclasses
import fnmatch
import json
from pathlib import Path
from typing import Any

import pytest

from provisioner.catalog.loader import Catalog
from provisioner.ds import GuardrailViolations
from provisioner.ds.guardrails import TrainingRequest, check_request
from provisioner.ds.training import JobPlan, plan_job
from provisioner.ds.workspace import facts
from provisioner.models.org import load_org
from provisioner.specs.workspaces import load_all

pytestmark = [pytest.mark.synth]
EXAMPLE_ORG = Path(__file__).resolve().parents[2] / "examples" / "acme"


@dataclasses.dataclass(frozen=True)
class Synthesized:
    contexts: dict[str, Any]
    policies: dict[str, dict]  # workspace -> access policy document


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    from provisioner.synthesis.synth import synthesize

    org = load_org(str(EXAMPLE_ORG))
    contexts = {c.name: c for c in load_all(org, Catalog.for_org(org)) if c.name in ("churn-model", "fraud-detector")}
    base = tmp_path_factory.mktemp("ds-synth")
    results = synthesize(list(contexts.values()), base / "cdktf.out", state_root=base / "state")
    policies = {}
    for result in results:
        config = json.loads(result.config_path.read_text())
        policies[result.name] = json.loads(config["resource"]["aws_iam_policy"]["access_policy"]["policy"])
    return Synthesized(contexts, policies)


def request_context(plan: JobPlan) -> dict[str, list[str]]:
    """The IAM condition keys of a CreateTrainingJob request with these values (multi-valued as lists)."""
    context = {
        "sagemaker:InstanceTypes": [plan.instance_type],
        "sagemaker:OutputKmsKey": [plan.key_id],
        "sagemaker:NetworkIsolation": [str(plan.network_isolation).lower()],
        "sagemaker:InterContainerTrafficEncryption": [str(plan.inter_container_encryption).lower()],
        "sagemaker:MaxRuntimeInSeconds": [str(plan.max_runtime_seconds)],
        "aws:TagKeys": sorted(plan.tags),
        **{f"aws:RequestTag/{k}": [v] for k, v in plan.tags.items()},
    }
    if plan.volume_key_id:
        context["sagemaker:VolumeKmsKey"] = [plan.volume_key_id]
    if plan.subnet_ids:
        context["sagemaker:VpcSubnets"] = list(plan.subnet_ids)
        context["sagemaker:VpcSecurityGroupIds"] = list(plan.security_group_ids)
    return context


def _test(operator: str, key: str, wanted: list[str], context: dict[str, list[str]]) -> bool:
    present = context.get(key)
    if operator == "Null":
        return (present is None) == (wanted[0] == "true")
    base, if_exists = (operator[:-8], True) if operator.endswith("IfExists") else (operator, False)
    if present is None:
        return if_exists or base.startswith("ForAllValues:")
    qualifier, _, base = base.rpartition(":")
    compare = {
        "StringEquals": lambda v: v in wanted,
        "StringNotEquals": lambda v: v not in wanted,
        "Bool": lambda v: v == wanted[0],
        "NumericLessThanEquals": lambda v: float(v) <= float(wanted[0]),
    }[base]
    if qualifier == "ForAllValues":
        return all(compare(v) for v in present)
    if qualifier == "ForAnyValue":
        return any(compare(v) for v in present)
    if base == "StringNotEquals":
        return all(compare(v) for v in present)
    return len(present) == 1 and compare(present[0])


def _matches(statement: dict, job_arn: str, context: dict[str, list[str]]) -> bool:
    actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
    resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
    if "sagemaker:CreateTrainingJob" not in actions or not any(fnmatch.fnmatchcase(job_arn, r) for r in resources):
        return False
    for operator, tests in statement.get("Condition", {}).items():
        for key, wanted in tests.items():
            if not _test(operator, key, wanted if isinstance(wanted, list) else [wanted], context):
                return False
    return True


def allows(policy: dict, job_arn: str, context: dict[str, list[str]]) -> bool:
    """IAM's verdict for CreateTrainingJob from this policy alone: an explicit Deny wins, else an Allow is needed."""
    matching = [s for s in policy["Statement"] if _matches(s, job_arn, context)]
    return not any(s["Effect"] == "Deny" for s in matching) and any(s["Effect"] == "Allow" for s in matching)


def _job_arn(ctx: Any, plan: JobPlan) -> str:
    return f"arn:aws:sagemaker:{ctx.region}:{ctx.account_id}:training-job/{plan.base_job_name}-20260101000000"


@pytest.mark.parametrize("name", ["churn-model", "fraud-detector"])
def test_every_job_provision_sends_is_allowed_by_the_workspace_policy(synthesized: Synthesized, name: str):
    # GIVEN a workspace (fraud-detector runs in prod's VPC) and its synthesized access policy
    ctx = synthesized.contexts[name]
    data = facts(ctx)
    image = data.image_repository_url + ":1"
    for instance_type in ctx.param("training.instance_types"):
        for spot in (False, True):
            # WHEN provision plans a job the guardrail check accepts
            request = TrainingRequest(image=image, instance_type=instance_type, spot=spot,
                                      instance_count=ctx.param("training.max_instances"))
            check_request(ctx, data, request)
            plan = plan_job(ctx, data, request)
            # THEN IAM allows creating it
            assert allows(synthesized.policies[name], _job_arn(ctx, plan), request_context(plan)), (instance_type, spot)


@pytest.mark.parametrize("change", [
    {"instance_type": "ml.p4d.24xlarge"},
    {"max_runtime_seconds": 12 * 3600 + 1},
])
def test_requests_the_check_refuses_iam_denies_too(synthesized: Synthesized, change: dict):
    # GIVEN churn-model and a request outside one IAM-enforced guardrail
    ctx = synthesized.contexts["churn-model"]
    data = facts(ctx)
    request = dataclasses.replace(TrainingRequest(image=data.image_repository_url + ":1"), **change)
    # WHEN checked  THEN provision refuses it
    with pytest.raises(GuardrailViolations):
        check_request(ctx, data, request)
    # AND IAM would have denied it as well
    plan = plan_job(ctx, data, request)
    assert not allows(synthesized.policies["churn-model"], _job_arn(ctx, plan), request_context(plan))


def test_the_evaluator_denies_what_the_policy_forbids(synthesized: Synthesized):
    # GIVEN an allowed job of churn-model  WHEN one IAM-checked property is broken at a time
    ctx = synthesized.contexts["churn-model"]
    data = facts(ctx)
    plan = plan_job(ctx, data, TrainingRequest(image=data.image_repository_url + ":1"))
    policy = synthesized.policies["churn-model"]
    assert allows(policy, _job_arn(ctx, plan), request_context(plan))
    broken = [
        dataclasses.replace(plan, key_id="arn:aws:kms:eu-west-1:111111111111:alias/someone-else"),
        dataclasses.replace(plan, network_isolation=False),
        dataclasses.replace(plan, inter_container_encryption=False),
        dataclasses.replace(plan, tags={k: v for k, v in plan.tags.items() if k != "provision:workspace"}),
    ]
    # THEN each is denied (the evaluator is not vacuous), and so is a job named outside the prefix
    for variant in broken:
        assert not allows(policy, _job_arn(ctx, variant), request_context(variant)), variant
    assert not allows(policy, _job_arn(ctx, plan).replace("-train-", "-other-"), request_context(plan))
