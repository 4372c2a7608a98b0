"""One pass stamps the workspace's tags on every taggable resource.

A resource is taggable when its cdktn binding has a `tags` input. The tags are
written into each resource's own `tags` (not only the provider's
`default_tags`), so the audit and checkov see them in cdk.tf.json.

`stamp_tags(stack, tags)` walks the finished construct tree once from Python
(one jsii call for the tree, then a read and a write per taggable resource).
`WorkspaceTags` is the same rule as a cdktn aspect, for stacks still being
built when synth runs; it costs node-to-Python callbacks for every construct
(about 40% of a workspace's jsii traffic), so workspace stacks use the pass.

Merge order, last wins: the spec's extra tags, then tags a construct set
itself, then the standard `provision:*`/owner/team tags, so nothing can
override a standard tag (the models already reject such spec tags).
"""

from __future__ import annotations

from collections.abc import Mapping

import jsii
from cdktn import IAspect, TerraformResource
from constructs import IConstruct

from provisioner.models.workspace import STANDARD_TAG_KEYS


def is_taggable(node: object) -> bool:
    return isinstance(node, TerraformResource) and hasattr(type(node), "tags_input")


@jsii.implements(IAspect)
class WorkspaceTags:
    def __init__(self, tags: Mapping[str, str]) -> None:
        self.standard = {k: v for k, v in tags.items() if k in STANDARD_TAG_KEYS}
        self.extra = {k: v for k, v in tags.items() if k not in STANDARD_TAG_KEYS}
        missing = [k for k in STANDARD_TAG_KEYS if k not in self.standard]
        if missing:
            raise ValueError(f"workspace tags lack the standard keys {missing}")

    def visit(self, node: IConstruct) -> None:
        if not is_taggable(node):
            return
        own = dict(node.tags_input or {})  # type: ignore[attr-defined]
        merged = {**self.extra, **own, **self.standard}
        node.tags = dict(sorted(merged.items()))  # type: ignore[attr-defined]


def stamp_tags(scope: IConstruct, tags: Mapping[str, str]) -> int:
    """Stamp `tags` on every taggable resource below `scope` now; returns how many were tagged."""
    rule = WorkspaceTags(tags)
    count = 0
    for node in scope.node.find_all():
        if is_taggable(node):
            rule.visit(node)
            count += 1
    return count
