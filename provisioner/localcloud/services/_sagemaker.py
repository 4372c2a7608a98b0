"""What the SageMaker modules share: the base of the resource kinds they add, the registry of those kinds
(which `sagemaker_tags` and `resourcegroupstagging` read, so tags and the tagging API find every kind), and
the sorting and paging of their List calls.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from moto.core.utils import utcnow
from moto.sagemaker.models import SageMakerModelBackend
from moto.sagemaker.utils import arn_formatter

from provisioner.localcloud.services._moto import ordered, page


class Resource:
    """Common fields of the SageMaker resources added here; `tags` is a Key/Value list like moto's own."""

    kind = ""  # the resource type in its ARN: arn:aws:sagemaker:REGION:ACCOUNT:<kind>/<id>

    def __init__(self, backend: SageMakerModelBackend, arn_id: str, tags: list[dict[str, str]] | None) -> None:
        self.arn = arn_formatter(self.kind, arn_id, backend.account_id, backend.region_name)
        self.tags = list(tags or [])
        self.creation_time = self.last_modified_time = utcnow()

    def touch(self) -> None:
        self.last_modified_time = utcnow()


@dataclass(frozen=True)
class Kind:
    """A resource kind a module adds: how to find one by the id in its ARN, and how to list them all."""

    name: str  # the ARN's resource type, e.g. "user-profile"
    find: Callable[[Any, str], Resource | None]  # (backend, ARN resource id) -> the resource, or None
    every: Callable[[Any], Iterable[Resource]]  # backend -> its resources of this kind


KINDS: dict[str, Kind] = {}


def register_kind(kind: Kind) -> None:
    """Makes KIND visible to ListTags / AddTags / DeleteTags and to the tagging API's GetResources."""
    KINDS[kind.name] = kind


SORT_KEYS: dict[str, Callable[[Any], Any]] = {
    "CreationTime": lambda r: r.creation_time,
    "LastModifiedTime": lambda r: r.last_modified_time,
    "Name": lambda r: r.name,
    "Status": lambda r: r.status,
}


def listed(response: Any, items: list[Any]) -> tuple[list[Any], str | None]:
    """One page of ITEMS, sorted and paged as the List request in RESPONSE asks."""
    sorted_items = ordered(items, response._get_param("SortBy"), response._get_param("SortOrder"), SORT_KEYS)
    return page(sorted_items, response._get_param("NextToken"), response._get_param("MaxResults"))
