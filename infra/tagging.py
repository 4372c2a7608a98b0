"""The workspace's tags on every taggable resource, in the resource's own `tags`.

A resource is taggable when its cdktn binding has a `tags` input. The tags are
written into each resource's own `tags`; the provider's `default_tags` are not
used, since tags there appear on no resource in cdk.tf.json, where the audit
and checkov look for them.

Merge order, last wins: the spec's extra tags, then tags a construct gives the
resource itself, then the standard `provision:*`/owner/team tags, so nothing
can override a standard tag (the models already reject such spec tags).

Why not a cdktn aspect (or a pass over the finished tree): an aspect costs a
node-to-Python callback per construct and a pass a write per resource, about
half of a workspace's jsii traffic. `infra.stack_build.add_resource` puts the
merged tags into each resource's config when it is created, at no extra cost;
tests/infra/test_tagging.py checks every taggable resource of every example.
"""

from __future__ import annotations

from collections.abc import Mapping

from provisioner.models.workspace import STANDARD_TAG_KEYS


class TagRule:
    def __init__(self, tags: Mapping[str, str]) -> None:
        self.standard = {k: v for k, v in tags.items() if k in STANDARD_TAG_KEYS}
        self.extra = {k: v for k, v in tags.items() if k not in STANDARD_TAG_KEYS}
        missing = [k for k in STANDARD_TAG_KEYS if k not in self.standard]
        if missing:
            raise ValueError(f"workspace tags lack the standard keys {missing}")

    def tags_for(self, own: Mapping[str, str]) -> dict[str, str]:
        """The tags of a resource that a construct gave `own` tags."""
        merged = {**self.extra, **own, **self.standard}
        return dict(sorted(merged.items()))
