"""The workspace spec, `workspaces/<name>.yaml`: what a data scientist asks for."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import Field, field_validator

from infra.tagging import STANDARD_TAG_KEYS  # tags the tool owns; a spec may not set them
from provisioner.models._base import StrictModel
from provisioner.models.blueprint import SEMVER, Suppression

WORKSPACE_NAME = r"^[a-z][a-z0-9-]{1,30}[a-z0-9]$"
BLUEPRINT_REF = r"^[a-z][a-z0-9-]*[a-z0-9](@" + SEMVER[1:-1] + r")?$"
EMAIL = r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$"
TAG_KEY = r"^[A-Za-z0-9 _.:/=+\-@]{1,128}$"


PACKAGE_ARN = r"^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:model-package/[A-Za-z0-9-]+/\d+$"


class ModelOrigin(StrictModel):
    """Where a model version served here came from; `provision models promote` writes one per promotion."""

    package: str = Field(pattern=PACKAGE_ARN, description="The version in this workspace's registry.")
    source: str = Field(pattern=PACKAGE_ARN, description="The approved version it was promoted from.")
    approved_by: str = Field(description="Who approved the source version (IAM identity, as the registry says).")
    promoted_by: str = Field(description="Who ran the promotion (IAM identity).")
    promoted_at: str = Field(description="When, in UTC (ISO 8601).")


class AbTestSettings(StrictModel):
    """How `provision endpoint report` judges this workspace's A/B test: the differences that matter.

    Each test of the readout is sized to find its difference with 80 % power, and a significant
    difference whose whole interval is smaller is shown as too small to matter. Readout settings
    only: nothing that gets built depends on them.
    """

    error_rate_difference_percent: float | None = Field(
        None, gt=0, le=100, description="5XX and 4XX rates, in percentage points (default 0.5).")
    latency_difference_ms: float | None = Field(
        None, gt=0, description="Mean ModelLatency, in milliseconds (default 5 % of the champion's).")
    quality_difference: float | None = Field(
        None, gt=0, description="The quality metric: accuracy, precision, recall, F1 or AUC (default 0.02), MAE or "
                                "RMSE in their unit (default 5 % of the champion's).")

    def readout(self) -> tuple[tuple[str, float], ...]:
        """As the readout's settings (provisioner/ds/ab_report.py `Settings`), only those given."""
        found = {"error_rate_difference": None if self.error_rate_difference_percent is None
                 else self.error_rate_difference_percent / 100,
                 "latency_difference_ms": self.latency_difference_ms, "quality_difference": self.quality_difference}
        return tuple(sorted((k, float(v)) for k, v in found.items() if v is not None))


class WorkspaceSpec(StrictModel):
    name: str = Field(pattern=WORKSPACE_NAME, description="3-32 lowercase letters, digits and hyphens, starting with a letter.")
    blueprint: str = Field(pattern=BLUEPRINT_REF, description="Blueprint as `name@version`, for example gpu-training@1.0.0.")
    environment: str = Field(description="An environment of the org config.")
    project: str | None = Field(
        None, pattern=WORKSPACE_NAME,
        description="Project the workspace belongs to (default: its own name). Workspaces of one project in "
                    "the environments of the org's `promotion` path pass models from one to the next.",
    )
    owner: str = Field(pattern=EMAIL, description="Owner's email address, for example alice@example.com (gets the workspace alerts).")
    team: str = Field(pattern=r"^[a-z][a-z0-9-]{0,62}$", description="Owning team: lowercase letters, digits and hyphens, starting with a letter.")
    tags: dict[str, str] = Field(default_factory=dict, description="Extra tags, including the org's required tags.")
    expires: dt.date | None = Field(None, description="Date after which the workspace is due for destruction.")
    parameters: dict[str, Any] = Field(default_factory=dict, description="Values for the blueprint's parameters.")
    suppressions: list[Suppression] = Field(default_factory=list, description="Accepted policy findings.")
    members: list[str] = Field(
        default_factory=list, description="Email addresses of the workspace's data scientists (notebooks capability)."
    )
    ab_test: AbTestSettings | None = Field(
        None, description="The A/B readout's differences that matter (serving workspaces; docs/monitoring.md).")
    model_origins: list[ModelOrigin] = Field(
        default_factory=list,
        description="Provenance of promoted model versions (written by `provision models promote`; the audit "
                    "shows it for every served model).",
    )

    adopted: dict[str, str] = Field(
        default_factory=dict,
        description="Existing resources this workspace took over (written by `provision adopt`): component "
                    "(data-bucket, artifacts-bucket, image-repository, registry) -> the resource's name. Terraform "
                    "imports each instead of creating a new one.",
    )

    @field_validator("adopted")
    @classmethod
    def _adopted(cls, value: dict[str, str]) -> dict[str, str]:
        import re

        from infra.adoption import ADOPTABLE

        for component, name in value.items():
            if component not in ADOPTABLE:
                raise ValueError(f"{component!r} cannot be adopted (adoptable: {', '.join(ADOPTABLE)})")
            if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{1,254}", str(name)):
                raise ValueError(f"adopted {component}: {name!r} is not a resource name")
        if len(set(value.values())) != len(value):
            raise ValueError("one resource cannot be adopted as two components")
        return value

    @field_validator("members")
    @classmethod
    def _members(cls, value: list[str]) -> list[str]:
        import re

        for member in value:
            if not re.match(EMAIL, member):
                raise ValueError(f"member {member!r} is not an email address, for example carol@example.com")
        if len(set(m.lower() for m in value)) != len(value):
            raise ValueError("members must not repeat")
        return value

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: dict[str, str]) -> dict[str, str]:
        import re

        for key, tag_value in value.items():
            if key in STANDARD_TAG_KEYS or key.startswith("provision:"):
                raise ValueError(f"tag {key!r} is set by provision and cannot be overridden; remove it")
            if key.lower().startswith("aws:"):
                raise ValueError(f"tag {key!r}: the `aws:` prefix is reserved by AWS")
            if not re.match(TAG_KEY, key):
                raise ValueError(f"tag key {key!r} is not a valid AWS tag key")
            if len(str(tag_value)) > 256:
                raise ValueError(f"tag {key!r}: value is longer than 256 characters")
        return value

    @property
    def project_name(self) -> str:
        return self.project or self.name

    @property
    def blueprint_name(self) -> str:
        return self.blueprint.partition("@")[0]

    @property
    def blueprint_version(self) -> str | None:
        return self.blueprint.partition("@")[2] or None
