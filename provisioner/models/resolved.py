"""A workspace with everything resolved: what the CDK layer and the engine consume.

Plain data, so that `infra/` never reads files and the CLI never builds resources.
It is the one module of provisioner/ the CDK layer imports (docs/architecture.md):
whatever infra needs from the tool's side is resolved before synth and handed in
here, as fields or as properties computed from them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from provisioner.models.blueprint import Blueprint, Suppression
from provisioner.models.monitoring import MonitoringScript, MonitoringSettings, settings_of
from provisioner.models.org import Environment, Guardrails, OrgMonitoring
from provisioner.models.serving import EXTRA_RESOLVED, EXTRA_UNRESOLVED, Variant, variants
from provisioner.models.serving_deployment import Rollout, rollout_of
from provisioner.models.workspace import STANDARD_TAG_KEYS


@dataclass(frozen=True)
class Peer:
    """Another workspace of the same project, one step along the org's promotion path."""

    workspace: str
    environment: str
    account_id: str
    region: str


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
    extras: dict[str, Any] = field(default_factory=dict)  # what resolvers leave (models/serving.py's EXTRA_*)
    monitoring: OrgMonitoring = field(default_factory=OrgMonitoring)  # the org's monitoring settings
    org_root: Path | None = None  # the folder of provision.yaml (where the org's sandbox is found)
    # provision's evaluation script, read by the tool when the blueprint monitors (provisioner/monitoring/)
    monitoring_script: MonitoringScript | None = None
    project: str = ""  # the spec's project (default: the workspace name)
    promotes_to: tuple[Peer, ...] = ()  # workspaces of the project in the next environment of the path
    promoted_from: tuple[Peer, ...] = ()  # workspaces of the project in the previous environment
    org_accounts: tuple[str, ...] = ()  # the accounts of every environment of the org (for the audit)
    model_origins: tuple[dict[str, str], ...] = ()  # the spec's `model_origins` (promoted versions' provenance)
    ab_test: tuple[tuple[str, float], ...] = ()  # the spec's `ab_test`, as the A/B readout's settings
    adopted: tuple[tuple[str, str], ...] = ()  # the spec's `adopted`: component -> existing resource's name

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

    @property
    def standard_tags(self) -> dict[str, str]:
        """The tags the tool owns (`provision:*`, owner, team): nothing may override them."""
        missing = [k for k in STANDARD_TAG_KEYS if k not in self.tags]
        if missing:
            raise ValueError(f"workspace {self.name}: its tags lack the standard keys {missing}")
        return {k: v for k, v in self.tags.items() if k in STANDARD_TAG_KEYS}

    @property
    def extra_tags(self) -> dict[str, str]:
        """The spec's own tags (the org's required ones among them)."""
        return {k: v for k, v in self.tags.items() if k not in STANDARD_TAG_KEYS}

    @property
    def serving_variants(self) -> list[Variant]:
        """The endpoint's production variants in spec order, then the shadow variant (none without serving)."""
        return variants(self.parameters)

    @property
    def monitoring_settings(self) -> MonitoringSettings:
        """The monitoring engine, its processing image and thresholds, as decided for this workspace."""
        return settings_of(self.parameters, self.monitoring, self.region)

    @property
    def rollout(self) -> Rollout | None:
        """How a change of the endpoint rolls out (`serving.deployment`); None for SageMaker's plain update."""
        return rollout_of(self.parameters)

    @property
    def latest_approved(self) -> str | None:
        """The model package ARN `latest-approved` was resolved to before synth, if it was."""
        return self.extras.get(EXTRA_RESOLVED)

    @property
    def latest_approved_unresolved(self) -> str | None:
        """Why `latest-approved` could not be resolved, if it was asked for and could not."""
        return self.extras.get(EXTRA_UNRESOLVED)
