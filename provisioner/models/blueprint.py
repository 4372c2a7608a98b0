"""Blueprints: versioned, reusable definitions of what a workspace contains."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from provisioner.models._base import StrictModel

CAPABILITIES = ("foundation", "training", "registry", "serving", "monitoring", "experiments", "notebooks")
Capability = Literal[CAPABILITIES]  # the same list, as a type (Literal of a tuple is a Literal of its items)
SEMVER = r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?$"
GUARDRAIL_ALLOWLISTS = ("training_instance_types", "serving_instance_types", "notebook_instance_types")
GUARDRAIL_MAXIMUMS = (
    "max_training_instances",
    "max_endpoint_instances",
    "max_monthly_budget_usd",
    "max_training_runtime_hours",
    "max_idle_minutes",
)


class ParameterSpec(StrictModel):
    """One blueprint parameter (or one field of an object parameter).

    A parameter without `default` is required in every workspace spec.
    `guardrail` ties the value to an org guardrail: an allowlist
    (`*_instance_types`: the value must be in it) or a maximum (`max_*`).
    """

    type: Literal["string", "integer", "number", "boolean", "list", "object"]
    description: str = ""
    default: Any = None
    allowed: list[Any] | None = None
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None
    min_items: int | None = None
    max_items: int | None = None
    items: "ParameterSpec | None" = None
    fields: "dict[str, ParameterSpec] | None" = None
    unique_by: str | None = Field(None, description="For a list of objects: a field whose values must be unique.")
    guardrail: str | None = None

    @property
    def required(self) -> bool:
        return "default" not in self.model_fields_set

    @field_validator("guardrail")
    @classmethod
    def _known_guardrail(cls, value: str | None) -> str | None:
        if value is not None and value not in GUARDRAIL_ALLOWLISTS + GUARDRAIL_MAXIMUMS:
            known = ", ".join(GUARDRAIL_ALLOWLISTS + GUARDRAIL_MAXIMUMS)
            raise ValueError(f"unknown guardrail {value!r}; known: {known}")
        return value

    @model_validator(mode="after")
    def _shape(self) -> "ParameterSpec":
        if self.type == "list" and self.items is None:
            raise ValueError("a list parameter needs `items`")
        if self.type == "object" and not self.fields:
            raise ValueError("an object parameter needs `fields`")
        return self

    def describe_type(self) -> str:
        if self.type == "list" and self.items is not None:
            return f"list of {self.items.describe_type()}"
        return self.type


class Suppression(StrictModel):
    """A policy finding accepted on purpose, with the reason written down."""

    rule: str = Field(pattern=r"^(PROV-\d{3}|CKV2?_[A-Z0-9_]+)$", description="Rule id, `PROV-NNN` or `CKV_*`.")
    resource: str = Field("*", description="Terraform address (`aws_s3_bucket.data`) or `*` for every resource.")
    reason: str = Field(min_length=10, description="Why this finding is accepted.")


class Blueprint(StrictModel):
    name: str = Field(pattern=r"^[a-z][a-z0-9-]*[a-z0-9]$", max_length=40)
    version: str = Field(pattern=SEMVER, description="Semantic version; a released version is never edited.")
    description: str
    capabilities: list[Capability] = Field(min_length=1)
    parameters: dict[str, ParameterSpec] = Field(default_factory=dict)
    suppressions: list[Suppression] = Field(default_factory=list)

    @field_validator("capabilities")
    @classmethod
    def _foundation_first(cls, value: list[str]) -> list[str]:
        if "foundation" not in value:
            raise ValueError("every blueprint needs the `foundation` capability")
        if len(set(value)) != len(value):
            raise ValueError("capabilities must not repeat")
        needs = {"serving": "registry", "monitoring": "foundation", "experiments": "foundation"}
        for capability, needed in needs.items():
            if capability in value and needed not in value:
                raise ValueError(f"`{capability}` needs `{needed}`")
        return sorted(value, key=CAPABILITIES.index)

    @field_validator("parameters")
    @classmethod
    def _parameter_names(cls, value: dict[str, ParameterSpec]) -> dict[str, ParameterSpec]:
        import re

        for key in value:
            if not re.match(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$", key):
                raise ValueError(f"parameter name {key!r} must be dotted snake_case, for example `training.max_instances`")
        for key in value:
            for other in value:
                if other.startswith(key + "."):
                    raise ValueError(f"parameter {key!r} cannot be both a value and the parent of {other!r}")
        return value

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"

    def version_key(self) -> tuple[int, int, int, int, str]:
        return semver_key(self.version)


def semver_key(version: str) -> tuple[int, int, int, int, str]:
    core, _, pre = version.partition("-")
    major, minor, patch = (int(x) for x in core.split("."))
    # A release sorts after its pre-releases.
    return (major, minor, patch, 0 if pre else 1, pre)
