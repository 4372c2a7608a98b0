"""The capability registry: discovery, order, and an error for a capability nobody builds."""

from __future__ import annotations

import dataclasses
import types

import pytest

from infra.capabilities import BUILDERS, WorkspaceParts, build_capabilities, builders
from infra.resource_names import WorkspaceNames
from provisioner.errors import OperationFailed
from provisioner.synthesis.synth import check_buildable


def test_builders_are_discovered_for_foundation_training_and_registry():
    # GIVEN the capability modules in infra/capabilities  WHEN the registry is read
    found = builders()
    # THEN each of this layer's capabilities has a builder
    assert {"foundation", "training", "registry"} <= set(found)
    assert found is BUILDERS


def test_fails_when_a_blueprint_uses_a_capability_without_builder(example_org):
    # GIVEN a workspace whose blueprint lists a capability no module builds
    ctx = example_org.contexts["churn-model"]
    blueprint = ctx.blueprint.model_construct(**{**dict(ctx.blueprint), "capabilities": ["foundation", "no-such"]})
    odd = dataclasses.replace(ctx, blueprint=blueprint)
    # WHEN synth checks it, before any stack is built  THEN a one-line error names the capability and how to proceed
    with pytest.raises(OperationFailed) as raised:
        check_buildable(odd)
    assert "'no-such'" in raised.value.message and "gpu-training@1.0.0" in raised.value.message
    assert "buildable capabilities: " in raised.value.hint
    # AND the CDK layer, if handed it anyway, refuses it as a bug (it raises no input errors of the tool)
    parts = WorkspaceParts(scope=None, ctx=odd, names=WorkspaceNames.of(odd))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no-such"):
        build_capabilities(parts)


def test_capabilities_run_in_blueprint_order_with_foundation_first(example_org, monkeypatch):
    # GIVEN builders that record their calls
    calls = []
    for name in ("foundation", "training", "registry"):
        monkeypatch.setitem(BUILDERS, name, lambda parts, name=name: calls.append((name, parts.key)))
    ctx = example_org.contexts["churn-model"]
    stack = types.SimpleNamespace()  # stands in for the stack: the recording builders create nothing in it
    parts = WorkspaceParts(scope=stack, ctx=ctx, names=WorkspaceNames.of(ctx))  # type: ignore[arg-type]
    # WHEN the workspace's capabilities are built
    build_capabilities(parts)
    # THEN they ran once each, in the blueprint's order
    assert [name for name, _ in calls] == ["foundation", "training", "registry"]


def test_synth_notes_tell_the_owner_what_to_do(synthesized):
    # GIVEN the synthesized example workspaces
    notes = synthesized.results["churn-model"].notes
    # THEN the summary says to confirm the alert email, activate the cost tag and how to name jobs
    assert any("confirm the subscription email" in n for n in notes)
    assert any("cost allocation tag" in n for n in notes)
    assert any("acme-churn-model-dev-train-" in n for n in notes)
    assert any("the Terraform state stays in a local file" in n for n in synthesized.results["sandbox-trial"].notes)


def test_synth_notes_of_a_local_cloud_workspace_leave_out_what_only_aws_does(synthesized):
    # GIVEN sandbox-serving (the local cloud) and churn-serving (AWS, no subnets either), both serving endpoints
    local = synthesized.results["sandbox-serving"].notes
    real = synthesized.results["churn-model"].notes + synthesized.results["churn-serving"].notes
    # THEN on AWS the notes tell about the alert email, the billing tag and VPC placement
    for fragment in ("confirm the subscription email", "cost allocation tag", "no subnets"):
        assert any(fragment in n for n in real), fragment
    # AND on the local cloud, which sends no email, bills nothing and has no VPC, they are left out,
    # and one note says where its resources and its state live
    for fragment in ("confirm the subscription email", "cost allocation tag", "no subnets", "NVMe", "state is local"):
        assert not any(fragment in n for n in local), (fragment, local)
    [cloud] = [n for n in local if n.startswith("local cloud:")]
    assert "lost when it stops" in cloud and "the Terraform state stays in a local file" in cloud
