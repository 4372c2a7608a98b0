"""Blueprint rollouts in waves: which workspaces move to a new blueprint version next.

A wave is `canary` (one workspace), `N%` (until N% of the blueprint's workspaces are on the target)
or `all`. Workspaces in environments listed earlier in provision.yaml go first (dev before prod),
then by name, so a canary lands where a mistake costs least.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from provisioner.errors import InvalidInput
from provisioner.models.blueprint import semver_key
from provisioner.models.resolved import WorkspaceContext

ARGS = "<command line>"


@dataclass(frozen=True)
class Wave:
    kind: str  # canary | percent | all
    percent: int = 100

    @classmethod
    def parse(cls, text: str) -> "Wave":
        if text == "canary":
            return cls("canary")
        if text == "all":
            return cls("all")
        match = re.fullmatch(r"(\d{1,3})%", text)
        if match and 1 <= int(match.group(1)) <= 100:
            return cls("percent", int(match.group(1)))
        raise InvalidInput.single(ARGS, "--wave", f"{text!r} is not a wave", "use canary, N% (1-100%) or all")

    def describe(self) -> str:
        return f"{self.percent}%" if self.kind == "percent" else self.kind


@dataclass(frozen=True)
class WavePlan:
    blueprint: str
    target: str
    on_target: list[str]  # already on the target version
    selected: list[WorkspaceContext]  # to upgrade in this wave, in order
    remaining: list[str]  # still on an older version after this wave


def plan_wave(contexts: list[WorkspaceContext], blueprint: str, target_version: str, wave: Wave,
              environment_order: list[str]) -> WavePlan:
    users = [c for c in contexts if c.blueprint.name == blueprint]
    on_target = sorted(c.name for c in users if c.blueprint.version == target_version)
    order = {name: index for index, name in enumerate(environment_order)}
    candidates = sorted(
        (c for c in users if semver_key(c.blueprint.version) < semver_key(target_version)),
        key=lambda c: (order.get(c.environment, len(order)), c.name),
    )
    if wave.kind == "canary":
        count = 1 if not on_target else 0
    elif wave.kind == "all":
        count = len(candidates)
    else:
        count = max(0, math.ceil(len(users) * wave.percent / 100) - len(on_target))
        if count == 0 and candidates and not on_target:
            count = 1
    selected = candidates[:count]
    return WavePlan(blueprint, target_version, on_target, selected,
                    [c.name for c in candidates[count:]])
