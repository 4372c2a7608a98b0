"""Tags: every taggable resource carries the workspace's tags in its own `tags` block."""

from __future__ import annotations

import importlib
import inspect
import json
from functools import cache

from provisioner.models.workspace import STANDARD_TAG_KEYS


@cache
def taggable(resource_type: str) -> bool:
    """Whether the cdktn binding of a Terraform type has a `tags` input (checked, not guessed)."""
    module = importlib.import_module(f"cdktn_provider_aws.{resource_type.removeprefix('aws_')}")
    for _, cls in inspect.getmembers(module, inspect.isclass):
        if getattr(cls, "TF_RESOURCE_TYPE", None) == resource_type:
            return "tags" in inspect.signature(cls.__init__).parameters
    raise AssertionError(f"no binding found for {resource_type}")


def test_every_taggable_resource_carries_all_workspace_tags(configs, example_org):
    # GIVEN every synthesized workspace
    checked = 0
    for name, config in configs.items():
        expected = example_org.contexts[name].tags
        for resource_type, items in config["resource"].items():
            if not taggable(resource_type):
                continue
            for address, body in items.items():
                # THEN its own tags are exactly the workspace's tags, standard ones included
                assert body.get("tags") == expected, f"{name}: {resource_type}.{address}"
                checked += 1
    assert checked >= 3 * 15
    assert set(STANDARD_TAG_KEYS) <= set(expected)


def test_tags_are_not_left_to_provider_default_tags(configs):
    # GIVEN every synthesized workspace  THEN the provider sets no default_tags (the audit reads resource tags)
    assert all("default_tags" not in provider for c in configs.values() for provider in c["provider"]["aws"])


def test_standard_tags_win_over_tags_a_construct_sets(example_org, synth_stack):
    # GIVEN a stack where a construct set its own tags, one of them clashing with a standard tag
    # (synth_stack is requested so that jsii is running)
    from cdktn import App, Testing

    from infra.tagging import own_tags, stamp_tags
    from infra.workspace_stack import WorkspaceStack
    from provisioner.synth import TARGET_VERSIONS

    ctx = example_org.contexts["churn-model"]
    stack = WorkspaceStack(App(context={"targetVersions": TARGET_VERSIONS}), ctx)
    own_tags(stack.parts.data.resource, {"team": "someone-else", "purpose": "training data"})
    # WHEN the tags are stamped (the stack's last construction step) and it is synthesized
    assert stamp_tags(stack, ctx.tags) >= 10
    bucket = json.loads(Testing.synth(stack))["resource"]["aws_s3_bucket"]["data"]
    # THEN the construct's extra tag stays and the standard tag keeps the workspace's value
    assert bucket["tags"]["purpose"] == "training data"
    assert bucket["tags"]["team"] == ctx.team
    assert {k: bucket["tags"][k] for k in ctx.tags} == ctx.tags
