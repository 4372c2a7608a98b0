"""A workspace with everything resolved: what the CDK layer and the engine consume.

Plain data, so that `infra/` never reads files and the CLI never builds resources.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from provisioner.models.blueprint import Blueprint, Suppression
from provisioner.models.org import Environment, Guardrails, OrgMonitoring


@dataclass(frozen=True)
class WorkspaceContext:
    org: str
    name: str
    environment: str
    env: Environment
    blueprint: Blueprint
    owner: str
    team: str
    tags: dict[str, str]  # every tag the workspace's resources carry, standard ones included
    parameters: dict[str, Any]  # dotted name -> effective value
    guardrails: Guardrails
    expires: dt.date | None = None
    suppressions: tuple[Suppression, ...] = ()
    members: tuple[str, ...] = ()
    spec_path: Path | None = None
    blueprint_path: Path | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    monitoring: OrgMonitoring = field(default_factory=OrgMonitoring)  # the org's monitoring settings
    org_root: Path | None = None  # the folder of provision.yaml (where the org's sandbox is found)

    @property
    def account_id(self) -> str:
        return self.env.account_id

    @property
    def region(self) -> str:
        return self.env.region

    @property
    def capabilities(self) -> tuple[str, ...]:
        return tuple(self.blueprint.capabilities)

    def has(self, capability: str) -> bool:
        return capability in self.blueprint.capabilities

    def param(self, name: str, default: Any = None) -> Any:
        return self.parameters.get(name, default)

    @property
    def state_key(self) -> str:
        return f"{self.env.state.key_prefix}/{self.name}/terraform.tfstate"
