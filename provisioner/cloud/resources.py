"""Live resources found by their `provision:*` tags (Resource Groups Tagging API).

Tags, not names, tie a live resource to a workspace: every resource a
workspace stack creates carries `provision:org`, `provision:workspace` and
`provision:environment` (infra/ stamps them), so one tag query per region
finds them whatever their physical names are.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from infra.tagging import TAG_BLUEPRINT, TAG_ENVIRONMENT, TAG_ORG, TAG_WORKSPACE  # noqa: F401  (re-exported)

TAG_COMPONENT = "provision:component"  # the org's own shared resources (the state bucket), not a workspace's

# SageMaker resources that cost money or hold models; an untagged one escapes budgets and clean-up.
ML_RESOURCE_TYPES = ("sagemaker:training-job", "sagemaker:model", "sagemaker:endpoint")

# Services whose ARNs end in the bare name of their one kind of resource (`arn:aws:sns:REGION:ACCOUNT:NAME`).
SINGLE_KIND = {"s3": "bucket", "sns": "topic", "sqs": "queue"}


@dataclass(frozen=True)
class Arn:
    partition: str
    service: str
    region: str
    account: str
    kind: str
    name: str

    @classmethod
    def parse(cls, text: str) -> "Arn":
        """Split an ARN; anything unparseable keeps its text as the name and kind `unknown`."""
        parts = text.split(":", 5)
        if len(parts) != 6 or parts[0] != "arn":
            return cls("", "", "", "", "unknown", text)
        _, partition, service, region, account, resource = parts
        if service in SINGLE_KIND and "/" not in resource and ":" not in resource:
            return cls(partition, service, region, account, SINGLE_KIND[service], resource)
        for separator in ("/", ":"):
            if separator in resource:
                kind, _, name = resource.partition(separator)
                return cls(partition, service, region, account, kind, name)
        return cls(partition, service, region, account, resource, resource)

    @property
    def type(self) -> str:
        """`service:kind` as the Tagging API's ResourceTypeFilters spell it (`sagemaker:endpoint`)."""
        return f"{self.service}:{self.kind}" if self.service else self.kind


@dataclass(frozen=True)
class LiveResource:
    arn: str
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def parsed(self) -> Arn:
        return Arn.parse(self.arn)

    @property
    def type(self) -> str:
        return self.parsed.type

    @property
    def name(self) -> str:
        return self.parsed.name

    @property
    def region(self) -> str:
        return self.parsed.region

    @property
    def workspace(self) -> str | None:
        return self.tags.get(TAG_WORKSPACE)

    @property
    def environment(self) -> str | None:
        return self.tags.get(TAG_ENVIRONMENT)

    def to_dict(self) -> dict[str, Any]:
        return {"arn": self.arn, "type": self.type, "name": self.name, "region": self.region,
                "workspace": self.workspace, "environment": self.environment}


def tagged_resources(
    client: Any,
    tag_filters: dict[str, Iterable[str] | None],
    resource_types: Iterable[str] | None = None,
) -> list[LiveResource]:
    """Every resource whose tags match all `tag_filters` (key -> allowed values, None = any value)."""
    filters = [{"Key": key, **({"Values": list(values)} if values else {})} for key, values in tag_filters.items()]
    kwargs: dict[str, Any] = {}
    if filters:
        kwargs["TagFilters"] = filters
    if resource_types:
        kwargs["ResourceTypeFilters"] = list(resource_types)
    found: list[LiveResource] = []
    for page in client.get_paginator("get_resources").paginate(**kwargs):
        for item in page.get("ResourceTagMappingList", []):
            tags = {tag["Key"]: tag["Value"] for tag in item.get("Tags", [])}
            found.append(LiveResource(item["ResourceARN"], tags))
    return sorted(found, key=lambda r: (r.type, r.arn))


# KMS key states of a key `destroy` has already dealt with: AWS deletes a key only after a waiting period.
KEY_GOING_STATES = ("PendingDeletion", "PendingReplicaDeletion")


def without_keys_pending_deletion(kms: Any, resources: list[LiveResource]) -> tuple[list[LiveResource], list[LiveResource]]:
    """(live, pending deletion): a KMS key that Terraform destroyed is scheduled for deletion, 7 to 30 days
    later, and the Tagging API lists it until then. It is not a leftover."""
    live, pending = [], []
    for resource in resources:
        if resource.type == "kms:key" and _key_state(kms, resource.arn) in KEY_GOING_STATES:
            pending.append(resource)
        else:
            live.append(resource)
    return live, pending


def _key_state(kms: Any, arn: str) -> str | None:
    try:
        return kms.describe_key(KeyId=arn)["KeyMetadata"].get("KeyState")
    except kms.exceptions.NotFoundException:
        return None
