"""ResourceGroup: an AWS Resource Group listing everything that carries the given tags."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from cdktn_provider_aws.resourcegroups_group import ResourcegroupsGroup, ResourcegroupsGroupResourceQuery

from infra.constructs._base import L2
from infra.stack_build import add_resource


# Resource Groups' CreateGroup accepts descriptions of letters, digits, white space, `_`, `.` and `-`,
# at most 1024 characters; anything else fails at apply time, after the plan looked fine.
DESCRIPTION = re.compile(r"[\sa-zA-Z0-9_.-]{0,1024}")


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
      description: shown in the console; letters, digits, spaces, `_`, `.`, `-` only (the
        Resource Groups API's rule); default empty.
    """

    def __init__(self, scope: Any, id: str, *, name: str, tags: Mapping[str, str], description: str = "") -> None:
        super().__init__(scope, id)
        if not tags:
            raise ValueError("a tag-query resource group needs at least one tag")
        if not DESCRIPTION.fullmatch(description):
            raise ValueError(f"resource group description {description!r} breaks the Resource Groups rule: "
                             "letters, digits, white space, `_`, `.`, `-`, at most 1024 characters")
        self.resource = add_resource(
            self.stack, ResourcegroupsGroup, id, name=name, description=description or None,
            resource_query=ResourcegroupsGroupResourceQuery(query=tag_query(tags), type="TAG_FILTERS_1_0"),
        )
