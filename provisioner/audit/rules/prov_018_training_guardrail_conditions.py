from __future__ import annotations

from provisioner.audit.rule import NOT_APPLICABLE, PASS, Fail, rule
from provisioner.audit.rules._common import IDENTITY_POLICY_TYPES, identity_documents

ACTION = "sagemaker:CreateTrainingJob"
# Condition key -> what it guards. `aws:RequestTag/` is a prefix (any tag key).
REQUIRED = {
    "sagemaker:instancetypes": "instance types",
    "sagemaker:volumekmskey": "volume KMS key",
    "sagemaker:outputkmskey": "output KMS key",
    "sagemaker:networkisolation": "network isolation",
    "sagemaker:maxruntimeinseconds": "max runtime",
    "aws:requesttag/": "request tags",
}


def _keys(statement) -> set[str]:
    keys = set()
    for key in statement.condition_keys():
        keys.add("aws:requesttag/" if key.startswith("aws:requesttag/") or key == "aws:tagkeys" else key)
    return keys


def missing_guardrails(doc) -> list[str]:
    """Guardrail condition keys not enforced on every statement that allows CreateTrainingJob."""
    allowing = doc.allowing(ACTION)
    denied = set()
    for statement in doc.denying(ACTION):
        denied |= _keys(statement)
    missing = set()
    for statement in allowing:
        missing |= {key for key in REQUIRED if key not in _keys(statement) and key not in denied}
    return [REQUIRED[k] for k in REQUIRED if k in missing]


@rule(
    id="PROV-018",
    title="Training is allowed only under the guardrail conditions",
    why="""The org guardrails (instance types, KMS keys, network isolation, maximum runtime, cost tags)
    are enforced by IAM conditions on sagemaker:CreateTrainingJob; a policy that allows the action
    without them lets a user start any job, on any instance, unencrypted and untagged.""",
    fix="""Add conditions on sagemaker:InstanceTypes, sagemaker:VolumeKmsKey, sagemaker:OutputKmsKey,
    sagemaker:NetworkIsolation, sagemaker:MaxRuntimeInSeconds and aws:RequestTag/... to every statement
    that allows sagemaker:CreateTrainingJob (or a Deny with the negated conditions).""",
    level="error",
    resource_types=IDENTITY_POLICY_TYPES,
    category="sagemaker",
)
def check(resource, config):
    relevant = False
    problems = []
    for label, doc in identity_documents(resource, config):
        if doc is None or not doc.allowing(ACTION):
            continue
        relevant = True
        missing = missing_guardrails(doc)
        if missing:
            problems.append(f"{label} allows CreateTrainingJob without conditions on {', '.join(missing)}")
    if not relevant:
        return NOT_APPLICABLE
    return Fail("; ".join(problems)) if problems else PASS
