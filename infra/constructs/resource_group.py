"""ResourceGroup: an AWS Resource Group listing everything that carries the given tags."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from cdktn_provider_aws.resourcegroups_group import ResourcegroupsGroup, ResourcegroupsGroupResourceQuery

from infra.constructs._base import L2
from infra.stack_build import add_resource


def tag_query(tags: Mapping[str, str]) -> str:
    return json.dumps({
        "ResourceTypeFilters": ["AWS::AllSupported"],
        "TagFilters": [{"Key": key, "Values": [value]} for key, value in sorted(tags.items())],
    })


class ResourceGroup(L2):
    """A tag-query resource group (all supported resource types carrying every given tag).

    Props:
      name: the group's physical name.
      tags: tag key -> value; a resource must carry all of them.
      description: shown in the console; default empty.
    """

    def __init__(self, scope: Any, id: str, *, name: str, tags: Mapping[str, str], description: str = "") -> None:
        super().__init__(scope, id)
        if not tags:
            raise ValueError("a tag-query resource group needs at least one tag")
        self.resource = add_resource(
            self.stack, ResourcegroupsGroup, id, name=name, description=description or None,
            resource_query=ResourcegroupsGroupResourceQuery(query=tag_query(tags), type="TAG_FILTERS_1_0"),
        )
