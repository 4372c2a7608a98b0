"""One pass stamps the workspace's tags on every taggable resource.

A resource is taggable when its cdktn binding has a `tags` input. The tags are
written into each resource's own `tags` (not only the provider's
`default_tags`), so the audit and checkov see them in cdk.tf.json.

Merge order, last wins: the spec's extra tags, then tags a construct gave the
resource itself (with `own_tags`), then the standard `provision:*`/owner/team
tags, so nothing can override a standard tag (the models already reject such
spec tags).

Why a pass and not a cdktn aspect: an aspect costs a node-to-Python callback
for every construct, plus a read of each resource's tags, about half of a
workspace's jsii traffic. `stamp_tags(stack, tags)` walks the finished tree
once (one jsii call), keeps the tags constructs set in Python (`own_tags`),
and writes each taggable resource's tags once.
"""

from __future__ import annotations

from collections.abc import Mapping

from cdktn import TerraformResource
from constructs import IConstruct

from provisioner.models.workspace import STANDARD_TAG_KEYS

_OWN_TAGS = "_provision_own_tags"  # a Python-side attribute: reading it costs no jsii call


def is_taggable(node: object) -> bool:
    return isinstance(node, TerraformResource) and hasattr(type(node), "tags_input")


def own_tags(resource: TerraformResource, tags: Mapping[str, str]) -> TerraformResource:
    """Tags a construct gives one of its resources; `stamp_tags` merges them under the standard ones."""
    setattr(resource, _OWN_TAGS, {**getattr(resource, _OWN_TAGS, {}), **tags})
    resource.tags = dict(sorted(getattr(resource, _OWN_TAGS).items()))  # type: ignore[attr-defined]
    return resource


class TagRule:
    def __init__(self, tags: Mapping[str, str]) -> None:
        self.standard = {k: v for k, v in tags.items() if k in STANDARD_TAG_KEYS}
        self.extra = {k: v for k, v in tags.items() if k not in STANDARD_TAG_KEYS}
        missing = [k for k in STANDARD_TAG_KEYS if k not in self.standard]
        if missing:
            raise ValueError(f"workspace tags lack the standard keys {missing}")

    def tags_for(self, node: object) -> dict[str, str]:
        merged = {**self.extra, **getattr(node, _OWN_TAGS, {}), **self.standard}
        return dict(sorted(merged.items()))


def stamp_tags(scope: IConstruct, tags: Mapping[str, str]) -> int:
    """Stamp `tags` on every taggable resource below `scope` now; returns how many were tagged."""
    rule = TagRule(tags)
    count = 0
    for node in scope.node.find_all():
        if is_taggable(node):
            node.tags = rule.tags_for(node)  # type: ignore[attr-defined]
            count += 1
    return count
