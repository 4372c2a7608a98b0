from __future__ import annotations

from provisioner.audit.resources import is_reference
from provisioner.audit.rule import NOT_APPLICABLE, PASS, Fail, rule
from provisioner.audit.rules._common import IDENTITY_POLICY_TYPES, identity_documents

ACTION = "sagemaker:CreateTrainingJob"


def _allowed_types(workspace) -> list[str]:
    return list(workspace.parameters.get("training.instance_types") or workspace.guardrails.get("training_instance_types") or [])


def _positive(test: str, family: str) -> bool:
    """`ForAllValues:StringEquals`, `StringLikeIfExists`, ... (not Null, not the negated operators)."""
    base = test.split(":", 1)[-1].removesuffix("IfExists")
    return base.startswith(family) and "Not" not in base


def _max_seconds(workspace) -> int | None:
    hours = workspace.parameters.get("training.max_runtime_hours") or workspace.guardrails.get("max_training_runtime_hours")
    return int(hours) * 3600 if hours else None


@rule(
    id="PROV-030",
    title="Training conditions match the workspace's allowed instance types and runtime",
    why="""The IAM conditions are what actually stops a training job; if their values drift from the
    workspace parameters (say, a GPU type the org does not allow, or a longer runtime), the guardrail
    shown to users is not the one enforced.""",
    fix="Synthesize again from the current spec; the training capability writes the conditions from training.instance_types and training.max_runtime_hours.",
    level="error",
    resource_types=IDENTITY_POLICY_TYPES,
    category="sagemaker",
)
def check(resource, config):
    workspace = config.workspace
    if workspace is None or not (workspace.parameters or workspace.guardrails):
        return NOT_APPLICABLE
    allowed, max_seconds = set(_allowed_types(workspace)), _max_seconds(workspace)
    relevant = False
    problems = []
    for label, doc in identity_documents(resource, config):
        if doc is None:
            continue
        for statement in doc.allowing(ACTION):
            relevant = True
            for condition in statement.condition("sagemaker:InstanceTypes"):
                if not _positive(condition.test, "String"):
                    continue
                extra = sorted(v for v in condition.values if v not in allowed and not is_reference(v))
                if extra and allowed:
                    problems.append(f"{label} allows instance types {', '.join(extra)} not allowed for this workspace")
            for condition in statement.condition("sagemaker:MaxRuntimeInSeconds"):
                if not _positive(condition.test, "NumericLess"):
                    continue
                for value in condition.values:
                    if value.isdigit() and max_seconds and int(value) > max_seconds:
                        problems.append(f"{label} allows a runtime of {value} s, above {max_seconds} s")
    if not relevant:
        return NOT_APPLICABLE
    return Fail("; ".join(problems)) if problems else PASS
