"""Tags: every taggable resource carries the workspace's tags in its own `tags` block."""

from __future__ import annotations

import importlib
import inspect
import json
from functools import cache

from infra.tagging import STANDARD_TAG_KEYS, TAGGABLE


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


def test_the_taggable_types_are_those_whose_bindings_take_tags(configs):
    # GIVEN the one list of taggable types (the stack tags by it, the audit checks by it), and every type
    # the example workspaces create
    created = {resource_type for config in configs.values() for resource_type in config["resource"]}
    # THEN a created type is in the list exactly when its cdktn binding takes tags
    assert {t for t in created if taggable(t)} == created & TAGGABLE
    # AND every listed type's binding takes tags
    assert [t for t in sorted(TAGGABLE) if not taggable(t)] == []


def test_tags_are_not_left_to_provider_default_tags(configs):
    # GIVEN every synthesized workspace  THEN the provider sets no default_tags (the audit reads resource tags)
    assert all("default_tags" not in provider for c in configs.values() for provider in c["provider"]["aws"])


def test_standard_tags_win_over_tags_a_construct_sets(example_org, synth_stack):
    # GIVEN a stack built with a workspace's tags (synth_stack is requested so that jsii is running)
    from cdktn import App, TerraformStack, Testing
    from cdktn_provider_aws.s3_bucket import S3Bucket

    from infra.stack_build import StackBuild, add_resource
    from infra.tagging import TagRule

    ctx = example_org.contexts["churn-model"]
    stack = TerraformStack(App(), "tags")
    StackBuild.of(stack).tags = TagRule(ctx.standard_tags, ctx.extra_tags)
    # WHEN a construct creates a resource with tags of its own, one of them clashing with a standard tag
    add_resource(stack, S3Bucket, "data", bucket="b", tags={"team": "someone-else", "purpose": "training data"})
    bucket = json.loads(Testing.synth(stack))["resource"]["aws_s3_bucket"]["data"]
    # THEN the construct's extra tag stays and the standard tag keeps the workspace's value
    assert bucket["tags"]["purpose"] == "training data"
    assert bucket["tags"]["team"] == ctx.team
    assert {k: bucket["tags"][k] for k in ctx.tags} == ctx.tags
