"""The second workspace access policy, for the serving and experiments capabilities.

IAM caps a managed policy at 6,144 characters. The workspace access policy of
foundation + training + registry already uses about 5,800 of them in the
full-mlops blueprint, so the grants of serving (invoke the endpoint) and
experiments (use the MLflow tracking server) go to a policy of their own,
created by whichever of the two runs first. Attach it next to the workspace
access policy (stack output `serving_access_policy_arn`).
"""

from __future__ import annotations

from infra.capabilities._base import WorkspaceParts
from infra.constructs.managed_policy import ManagedPolicy
from infra.serving_names import ServingNames

EXTRA_KEY = "serving_access"


def serving_access(parts: WorkspaceParts) -> ManagedPolicy:
    policy = parts.extras.get(EXTRA_KEY)
    if policy is None:
        ctx = parts.ctx
        policy = ManagedPolicy(
            parts.scope, "serving_access_policy", name=ServingNames.of(ctx).serving_access_policy,
            description=f"Endpoint and MLflow access of provision workspace {ctx.name} ({ctx.environment}) "
                        "for its people and CI",
        )
        parts.extras[EXTRA_KEY] = policy
        parts.output("serving_access_policy_arn", policy.arn,
                     "Managed policy (endpoint, MLflow) to attach next to access_policy_arn")
        parts.note(f"attach the policy {policy.name} (serving_access_policy_arn) to the workspace's people and CI "
                   "as well: IAM's size limit keeps endpoint and MLflow access out of the main access policy")
    return policy
