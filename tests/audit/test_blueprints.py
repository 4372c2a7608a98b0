"""Every shipped blueprint passes its own audit: the built-in pack and checkov, except written suppressions.

The example org has at least one workspace per shipped blueprint; they are synthesized for real (one cdktn
App, the session fixture `example` in conftest.py) and audited as `provision audit` would, the serving
ones also as `<name>-live` with an endpoint.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from provisioner.audit.checkov import find_checkov, run_checkov_many
from provisioner.audit.config import load_config
from provisioner.audit.runner import run_audit

pytestmark = pytest.mark.synth
ROOT = Path(__file__).resolve().parents[2]


def test_every_shipped_blueprint_has_an_example_workspace(example):
    # GIVEN the shipped catalog and the example workspaces
    catalog, workspaces = example
    shipped = {e.blueprint.ref for e in catalog.all() if e.path.is_relative_to(ROOT / "blueprints")}
    # THEN each shipped blueprint version is exercised by at least one example
    assert shipped <= {ctx.blueprint.ref for ctx, _ in workspaces.values()}


def test_deployed_serving_examples_really_have_endpoints(example):
    # GIVEN the `-live` variants of the serving examples
    _, workspaces = example
    live = {name: config for name, (ctx, config) in workspaces.items() if name.endswith("-live")}
    # THEN each synthesized an endpoint, its configuration, models and scheduled monitoring (the pipeline,
    # or a Model Monitor schedule)
    assert live
    for name, config in live.items():
        types = set(load_config(config).by_type)
        assert {"aws_sagemaker_endpoint", "aws_sagemaker_endpoint_configuration", "aws_sagemaker_model"} <= types, name
        assert {"aws_sagemaker_pipeline", "aws_scheduler_schedule"} <= types or \
            "aws_sagemaker_monitoring_schedule" in types, name


def test_every_example_workspace_passes_the_built_in_pack(example):
    # GIVEN every synthesized example workspace
    _, workspaces = example
    open_findings = {}
    for name, (ctx, config) in workspaces.items():
        # WHEN audited with its own suppressions
        result = run_audit(config, ctx=ctx, checkov=False)
        open_findings[name] = [f"{f.rule_id} {f.address}: {f.message}" for f in result.findings if not f.suppressed]
        assert not result.unused_suppressions, name
    # THEN no finding is open (errors or warnings)
    assert open_findings == {name: [] for name in workspaces}


@pytest.mark.skipif(find_checkov() is None, reason="checkov not installed: run `make setup`")
def test_every_shipped_blueprint_has_no_unsuppressed_checkov_failure(example):
    # GIVEN one example workspace per shipped blueprint, and the deployed serving variants
    _, workspaces = example
    chosen = {}
    for name, (ctx, config) in sorted(workspaces.items()):
        chosen.setdefault(ctx.blueprint.ref + (" (deployed)" if name.endswith("-live") else ""), (name, ctx, config))
    # WHEN checkov scans them (one process) and their suppressions and the baseline apply
    runs = run_checkov_many({name: (config, load_config(config)) for name, _, config in chosen.values()})
    from provisioner.audit.baseline import baseline_suppressions
    from provisioner.audit.pack import apply_suppressions, suppressions_from_context

    open_failures = {}
    for ref, (name, ctx, config) in chosen.items():
        run = runs[name]
        assert run.status == "ok" and run.passed > 0, run.message
        entries = suppressions_from_context(ctx) + baseline_suppressions(load_config(config))
        marked, _ = apply_suppressions(run.findings, entries)
        open_failures[ref] = [f"{f.rule_id} {f.address}" for f in marked if not f.suppressed]
    # THEN every failed check is suppressed with a written reason
    assert open_failures == {ref: [] for ref in chosen}


def test_inventory_files_each_resource_under_the_capability_that_built_it(example):
    from provisioner.audit.inventory import inventory

    # GIVEN every synthesized example workspace
    _, workspaces = example
    filed = {}
    for name, (ctx, config) in workspaces.items():
        # WHEN its inventory is taken
        groups = {g["capability"]: {r["address"] for r in g["resources"]} for g in inventory(load_config(config))["capabilities"]}
        filed[name] = groups
        # THEN every resource sits under one of the capabilities its blueprint builds
        assert set(groups) <= set(ctx.capabilities), (name, sorted(groups))
    # AND the notebook lab's Studio user profiles and shared space are notebooks, not foundation
    lab = filed["notebook-lab-ws"]
    studio = {a for group in lab.values() for a in group if a.startswith(("aws_sagemaker_user_profile.", "aws_sagemaker_space."))}
    assert studio and studio <= lab["notebooks"]
    # AND a serving workspace's endpoint is serving, its model group registry, its budget foundation
    live = filed["recsys-ab-live"]
    assert any(a.startswith("aws_sagemaker_endpoint.") for a in live["serving"])
    assert any(a.startswith("aws_sagemaker_model_package_group.") for a in live["registry"])
    assert any(a.startswith("aws_budgets_budget.") for a in live["foundation"])
