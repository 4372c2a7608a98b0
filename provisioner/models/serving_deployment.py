"""How a change of the endpoint is rolled out (`serving.deployment`), within SageMaker's limits.

Plain data, part of the resolved workspace (`WorkspaceContext.rollout`): the
validate checks (provisioner/specs/checks/serving.py) and the CDK layer
(infra/capabilities/serving.py) read the same rollout, so what validate accepts
is exactly what synth writes into `aws_sagemaker_endpoint.deployment_config`.

SageMaker's limits (API TrafficRoutingConfig, BlueGreenUpdatePolicy,
AutoRollbackConfig; docs "Deployment guardrails"):
- the waiting time between steps is 0-3600 s;
- a canary is at most 50% of a variant's instances, a linear step 10-50%;
- the whole blue/green update must finish within 600-14400 s;
- at most 10 alarms can roll an update back;
- the new endpoint configuration keeps the old one's variant names;
- rolling updates exclude multi-variant endpoints (provision offers blue/green only).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

MIN_TIMEOUT_SECONDS = 600
MAX_TIMEOUT_SECONDS = 14400
MAX_ROLLBACK_ALARMS = 10
ROLLBACK_ALARMS_PER_VARIANT = 2  # 5XX rate and p99 latency of the new fleet (infra/constructs/monitoring.py)
# The rollback alarms: one-minute periods (SageMaker publishes its invocation metrics every minute), firing
# when 2 of the last 3 breach. CloudWatch needs time to ingest a minute's data and evaluate the alarm: an
# allowance, not a measurement (AWS states no bound).
ROLLBACK_ALARM_PERIOD_SECONDS = 60
ROLLBACK_ALARM_DATAPOINTS = 2
ROLLBACK_ALARM_EVALUATION_PERIODS = 3
CLOUDWATCH_DELAY_SECONDS = 180
# Time SageMaker needs to start the new (green) fleet before traffic shifts; an allowance, not a measurement.
FLEET_START_SECONDS = 1800
TRAFFIC_TYPES = {"all-at-once": "ALL_AT_ONCE", "canary": "CANARY", "linear": "LINEAR"}


@dataclass(frozen=True)
class Rollout:
    strategy: str
    canary_percent: int
    step_percent: int
    wait_seconds: int
    rollback_on_alarms: bool

    @property
    def traffic_type(self) -> str:
        return TRAFFIC_TYPES[self.strategy]

    @property
    def steps(self) -> int:
        """Traffic shifts of one update (each followed by a wait)."""
        if self.strategy == "canary":
            return 2
        if self.strategy == "linear":
            return math.ceil(100 / self.step_percent)
        return 1

    @property
    def alarm_fire_seconds(self) -> int:
        """How long after the new fleet starts failing its rollback alarms can fire, at the latest.

        The alarms watch the new fleet alone (its EndpointConfigName), so even the
        first, partial minute of a failing canary breaches; they fire once
        ROLLBACK_ALARM_DATAPOINTS minutes have breached and CloudWatch has caught up.
        """
        return ROLLBACK_ALARM_DATAPOINTS * ROLLBACK_ALARM_PERIOD_SECONDS + CLOUDWATCH_DELAY_SECONDS

    @property
    def alarm_period_seconds(self) -> int:
        return ROLLBACK_ALARM_PERIOD_SECONDS

    @property
    def alarm_datapoints(self) -> tuple[int, int]:
        """(datapoints that must breach, of the last periods) for a rollback alarm to fire."""
        return ROLLBACK_ALARM_DATAPOINTS, ROLLBACK_ALARM_EVALUATION_PERIODS

    @property
    def termination_wait_seconds(self) -> int:
        """The old fleet is kept for one more wait, so a late alarm can still roll back."""
        return self.wait_seconds

    @property
    def needed_seconds(self) -> int:
        return FLEET_START_SECONDS + self.steps * self.wait_seconds + self.termination_wait_seconds

    @property
    def timeout_seconds(self) -> int:
        return max(MIN_TIMEOUT_SECONDS, self.needed_seconds)


def rollout_of(params: dict[str, Any]) -> Rollout | None:
    """The spec's rollout; None when the blueprint has no `serving.deployment` (SageMaker's plain update)."""
    value = params.get("serving.deployment")
    if not isinstance(value, dict):
        return None
    return Rollout(
        strategy=str(value.get("strategy", "all-at-once")),
        canary_percent=int(value.get("canary_percent", 10)),
        step_percent=int(value.get("step_percent", 20)),
        wait_seconds=int(value.get("wait_minutes", 10)) * 60,
        rollback_on_alarms=bool(value.get("rollback_on_alarms", True)),
    )


def smallest_variant(params: dict[str, Any]) -> tuple[str, int] | None:
    """(name, instances) of the production variant with the fewest instances it may run on."""
    found = []
    for variant in params.get("serving.variants") or []:
        count = min(int(variant.get("initial_instance_count", 1)), int(variant.get("min_instances", 1)))
        found.append((count, str(variant.get("name"))))
    if not found:
        return None
    count, name = min(found)
    return name, count
