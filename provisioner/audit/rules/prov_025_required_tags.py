from __future__ import annotations

from infra.tagging import STANDARD_TAG_KEYS, TAGGABLE
from provisioner.audit.rule import PASS, Fail, rule


@rule(
    id="PROV-025",
    title="Every taggable resource carries the workspace's tags",
    why="""Cost allocation, the workspace's resource group, budgets and clean-up all find a workspace's
    resources by its tags (provision:*, owner, team and the org's required tags). An untagged resource
    is invisible to all of them.""",
    fix="""Tag the resource with the workspace tags. `provision synth` writes them into every resource
    it creates that takes tags; a resource added by other means needs them in its own `tags`.""",
    level="error",
    resource_types=tuple(sorted(TAGGABLE)),
    category="tagging",
    coverage="tagging",
)
def check(resource, config):
    required = config.workspace.required_tags if config.workspace and config.workspace.required_tags else sorted(STANDARD_TAG_KEYS)
    tags = config.effective_tags(resource)
    missing = [key for key in required if not tags.get(key)]
    if missing:
        return Fail(f"is missing tag{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
    return PASS
