"""An endpoint's variants and where each one's model comes from: the `serving.*` parameters, read once.

Plain data, part of the resolved workspace (`WorkspaceContext.serving_variants`):
the CDK layer builds the endpoint from it, the checks and `provision env`
read the same variants. Resolving `latest-approved` to a model package ARN
happens before (provisioner/specs/model_sources.py); its outcome reaches the CDK
layer as `WorkspaceContext.latest_approved` / `latest_approved_unresolved`.

A variant's model source is, in order: its own `model_package`, else
`serving.model_package`, else `serving.image_uri` + `serving.model_data`.
A source is one of:

- `package`: an explicit model package ARN from the workspace registry;
- `latest`: `latest-approved`, still to be resolved to an ARN;
- `image`: an inference image with model.tar.gz in the artifacts bucket;
- `none`: nothing yet (a workspace is often requested before its first model).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Literal

LATEST = "latest-approved"
# Extras a resolver leaves for the serving capability's notes.
EXTRA_RESOLVED = "serving.latest_approved"
EXTRA_UNRESOLVED = "serving.latest_approved_unresolved"

Kind = Literal["package", "latest", "image", "none"]


@dataclass(frozen=True)
class ModelSource:
    kind: Kind
    field: str  # the parameter it came from, e.g. `serving.variants[1].model_package`
    package_arn: str = ""
    image_uri: str = ""
    model_data_key: str = ""

    @property
    def digest(self) -> str:
        """Short stable hash of what the model is made of: part of the model's name."""
        text = self.package_arn if self.kind == "package" else f"{self.image_uri}|{self.model_data_key}"
        return hashlib.sha256(text.encode()).hexdigest()[:8]

    @property
    def ready(self) -> bool:
        return self.kind in ("package", "image")

    def describe(self) -> str:
        if self.kind == "package":
            return self.package_arn
        if self.kind == "image":
            return f"{self.image_uri} with {self.model_data_key}"
        return LATEST if self.kind == "latest" else "no model"


@dataclass(frozen=True)
class Variant:
    name: str
    instance_type: str
    initial_instance_count: int
    weight: float
    source: ModelSource
    shadow: bool = False
    min_instances: int | None = None  # autoscaling bounds; None for the shadow variant
    max_instances: int | None = None


def variant_source(params: dict[str, Any], own: str, own_field: str) -> ModelSource:
    """The model source of one variant given its own `model_package` value."""
    default = params.get("serving.model_package") or ""
    image = params.get("serving.image_uri") or ""
    data = params.get("serving.model_data") or ""
    value, field = (own, own_field) if own else (default, "serving.model_package")
    if value == LATEST:
        return ModelSource("latest", field)
    if value:
        return ModelSource("package", field, package_arn=value)
    if image and data:
        return ModelSource("image", "serving.image_uri", image_uri=image, model_data_key=data)
    return ModelSource("none", own_field)


def variants(params: dict[str, Any]) -> list[Variant]:
    """Production variants in spec order, then the shadow variant if any."""
    found = []
    for index, item in enumerate(params.get("serving.variants") or []):
        found.append(Variant(
            name=item["name"],
            instance_type=item["instance_type"],
            initial_instance_count=int(item.get("initial_instance_count", 1)),
            weight=float(item.get("weight", 1)),
            source=variant_source(params, item.get("model_package") or "", f"serving.variants[{index}].model_package"),
            min_instances=int(item.get("min_instances", 1)),
            max_instances=int(item.get("max_instances", 1)),
        ))
    shadow = params.get("serving.shadow_variant")
    if shadow:
        # A shadow variant mirrors the production variant's traffic: same weight, so it sees every request.
        weight = found[0].weight if len(found) == 1 else 1.0
        found.append(Variant(
            name=shadow["name"],
            instance_type=shadow["instance_type"],
            initial_instance_count=int(shadow.get("initial_instance_count", 1)),
            weight=weight,
            source=variant_source(params, shadow.get("model_package") or "", "serving.shadow_variant.model_package"),
            shadow=True,
        ))
    return found
