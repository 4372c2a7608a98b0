"""SageMaker tags: ListTags / AddTags / DeleteTags over every kind of resource, as AWS tags them.

Corrects moto's own (the AWS behaviour followed: the SageMaker API Reference,
https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_AddTags.html):

- ListTags / AddTags / DeleteTags also find the kinds this package adds (user profiles, spaces, tracking
  servers, monitoring schedules: every kind registered in `_sagemaker.KINDS`); the provider reads and
  writes every resource's tags by ARN. A kind's ARN that names nothing is ValidationException, as moto
  answers for its own kinds.
- AddTags overwrites a key that is already there (API_AddTags: it "adds or overwrites" tags, and "tag keys
  must be unique per resource"); moto appended a second tag with the same key, and the provider then saw a
  tag change on every plan.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import SageMakerModelBackend

from provisioner.localcloud.services._moto import Extension, Operation, corrects, graft, replaces
from provisioner.localcloud.services._sagemaker import KINDS

OPERATIONS: tuple[Operation, ...] = ()

EXTENDED: tuple[Extension, ...] = (
    Extension("sagemaker", "ListTags / AddTags / DeleteTags", "also find user profiles, spaces, tracking servers, schedules"),
    Extension("sagemaker", "AddTags", "overwrites a key already there, as AWS does (moto appended a duplicate key)"),
)


class TagsBackend:
    """Grafted onto moto's SageMakerModelBackend: how its tag operations find a resource and add tags."""

    @corrects
    def _get_resource_from_arn(self: Any, moto_lookup: Callable[[Any, str], Any], arn: str) -> Any:
        kind_name, _, resource_id = arn.split(":", 5)[-1].partition("/")
        kind = KINDS.get(kind_name)
        if kind is None:
            return moto_lookup(self, arn)
        resource = kind.find(self, resource_id)
        if resource is None:
            raise ValidationError(message=f"Could not find {kind_name} with name {resource_id}")
        return resource

    @replaces
    def add_tags(self: Any, arn: str, tags: list[dict[str, str]]) -> list[dict[str, str]]:
        resource = self._get_resource_from_arn(arn)
        new_keys = {tag["Key"] for tag in tags}
        resource.tags = [tag for tag in (resource.tags or []) if tag["Key"] not in new_keys] + list(tags)
        return resource.tags


def install() -> list[str]:
    graft(SageMakerModelBackend, TagsBackend)
    return []
