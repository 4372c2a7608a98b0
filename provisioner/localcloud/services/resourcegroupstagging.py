"""The Resource Groups Tagging API's GetResources over SageMaker, as AWS answers it.

`provision inventory` and `provision status` find a workspace's resources by its tags through GetResources
(the AWS behaviour followed: https://docs.aws.amazon.com/resourcegroupstagging/latest/APIReference/API_GetResources.html,
whose ResourceARN is a string). moto's tagging API asks each service backend for its tagged resources
(`iter_tagged_resources`); this corrects what the SageMaker backend answers:

- GetResources also returns the SageMaker kinds this package adds (user profiles, spaces, Studio apps that are
  not Deleted, tracking servers, monitoring schedules), so the inventory finds them and a destroy that left one
  behind is seen;
- endpoint configuration ARNs are strings (moto kept each in a one-element tuple and answered its repr).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

from moto.core.resource_tagging import TaggedResource
from moto.sagemaker.models import SageMakerModelBackend

from provisioner.localcloud.services._moto import Extension, Operation, corrects, graft
from provisioner.localcloud.services._sagemaker import KINDS

OPERATIONS: tuple[Operation, ...] = ()

EXTENDED: tuple[Extension, ...] = (
    Extension("resourcegroupstaggingapi", "GetResources", "also returns the SageMaker resource kinds added here (Deleted apps excepted)"),
    Extension("resourcegroupstaggingapi", "GetResources", "endpoint configuration ARNs as strings (moto: a tuple's repr)"),
)


class TaggedSageMakerBackend:
    """Grafted onto moto's SageMakerModelBackend: what it hands the tagging API."""

    @corrects
    def iter_tagged_resources(self: Any, moto_iter: Callable[[Any], Iterator[Any]]) -> Iterator[Any]:
        for resource in moto_iter(self):
            if isinstance(resource.arn, tuple):  # an endpoint configuration's ARN, in moto's one-element tuple
                resource = dataclasses.replace(resource, arn=resource.arn[0])
            yield resource
        for kind in KINDS.values():
            for resource in kind.every(self):
                yield TaggedResource(arn=resource.arn, tags={t["Key"]: t["Value"] for t in resource.tags},
                                     resource_type=f"sagemaker:{resource.kind}")


def install() -> list[str]:
    graft(SageMakerModelBackend, TaggedSageMakerBackend)
    return []
