"""Long-running resources: how long AWS takes to create, change or delete them, and how long the AWS provider
waits, each figure with its source.

    expected("aws_sagemaker_mlflow_tracking_server", "create")  # -> Expected(25, 35, 45, "...#41436 ...")

Why there is no Terraform `timeouts` block in what provision synthesizes: in the AWS provider (checked in its
source, 6.47.1-dev, commit 5f2286d6d836, `internal/service/sagemaker/`) none of these resources declares a
`timeouts` block: their waits are constants in the provider (`wait.go`, `endpoint.go`, `user_profile.go`), and
Terraform rejects a `timeouts` argument on a resource whose schema has none ("Unsupported block type").
tests/engine/test_durations.py checks that the cdktn bindings still have no `timeouts` for them: the day a provider
release adds one, that test fails and the figure below goes into the construct as `timeouts`.

What provision does instead: `plan`/`apply`/`destroy` show each such change with the time AWS is reported to take and
the provider's own wait, and apply progress shows the elapsed time against them (provisioner/cli/_terraform_output.py),
so nobody interrupts a tracking server at minute 20 believing it hung. A wait the provider gives up on leaves the
resource in the state as tainted or half-created; the next `plan`/`apply` picks it up (docs/platform-engineer.md).
"""

from __future__ import annotations

from dataclasses import dataclass

PROVIDER_SOURCE = "terraform-provider-aws 6.47.1-dev (5f2286d6d836) internal/service/sagemaker"


@dataclass(frozen=True)
class Expected:
    low_minutes: int | None  # None: no reported typical time, only an upper figure
    high_minutes: int
    provider_wait_minutes: int  # the provider's hard-coded waiter timeout for this action
    source: str

    def words(self) -> str:
        span = f"{self.low_minutes}-{self.high_minutes} min" if self.low_minutes else f"up to {self.high_minutes} min"
        return f"AWS takes {span}; the provider waits up to {self.provider_wait_minutes} min"


_MLFLOW = Expected(25, 35, 45, "terraform-provider-aws#41436 (25-35 min to create or delete); "
                               f"mlflowTrackingServerTimeout = 45 min in {PROVIDER_SOURCE}/wait.go")
_ENDPOINT = Expected(None, 60, 60, "terraform-provider-aws#39090 (endpoint creation beyond 30 min: the wait was raised "
                                   f"to 60 min); waitEndpointInService 60 min in {PROVIDER_SOURCE}/endpoint.go")

# resource type -> action -> Expected. Only figures with a source; an action not listed is not long-running.
# Not listed on purpose: the Studio domain (the org's, named in provision.yaml: provision never creates or deletes
# one; the provider waits 20 min, domainInServiceTimeout in wait.go), and Studio spaces and user profiles, whose
# delete waits 10 min in the provider but is really bounded by their apps' (up to 20 min:
# aws-cloudformation/cloudformation-coverage-roadmap#1754, terraform-provider-aws#48826), which provision deletes
# and waits for before Terraform starts (provisioner/cloud/decommission.py).
EXPECTED: dict[str, dict[str, Expected]] = {
    "aws_sagemaker_mlflow_tracking_server": {"create": _MLFLOW, "update": _MLFLOW, "delete": _MLFLOW},
    "aws_sagemaker_endpoint": {"create": _ENDPOINT, "update": _ENDPOINT},
}


def expected(resource_type: str, action: str) -> Expected | None:
    """What AWS and the provider take for ACTION (create, update, delete; replace counts as create) on the type."""
    by_action = EXPECTED.get(resource_type) or {}
    return by_action.get("create" if action == "replace" else action)


def resource_type(address: str) -> str:
    """`module.m.aws_x.name[0]` -> `aws_x`."""
    parts = address.split("[", 1)[0].split(".")
    return parts[-2] if len(parts) >= 2 else address
