"""Fixtures of the serving, monitoring and experiments tests.

`serving_synth` synthesizes, in this one pytest process (jsii starts once), a
private copy of the example org with two extra specs:

- App 1 (one `provisioner.synthesis.synth.synthesize` call): recsys-ab (A/B, its
  `latest-approved` resolved, realtime-endpoint 1.1.0: the monitoring
  pipeline), forecasting (full-mlops 1.0.0, no model yet: the pipeline in an
  org without Model Monitor), search-shadow (realtime-endpoint 1.0.0, one
  variant + shadow, image + model package, synthesized as in an org that has
  Model Monitor: a Model Monitor schedule), recsys-mm (recsys-ab's spec with
  `monitoring.engine: model-monitor`, in an org that has it) and
  recsys-pending (recsys-ab's spec with `latest-approved` left unresolved).
- App 2: recsys-ab again from a spec that differs only in the weights. It
  cannot share App 1: the stack id and every physical name come from the
  workspace name, and the point is that they stay the same (what a second
  App costs is measured by `make bench`, not here).

`latest-approved` is resolved with a fixed lookup (version 7 of the
workspace's group) instead of SageMaker: the synth tests are about the CDK
layer. The real lookup runs against moto in test_model_sources.py.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from serving_helpers import RESOLVED_VERSION, SHADOW_SPEC, copy_org, strip_metadata

from provisioner.models.org import OrgMonitoring

AB_WEIGHTS = ("weight: 90", "weight: 10")
NEW_WEIGHTS = ("weight: 50", "weight: 50")


def fixed_lookup(ctx: Any, group: str) -> str:
    return f"arn:aws:sagemaker:{ctx.region}:{ctx.account_id}:model-package/{group}/{RESOLVED_VERSION}"


@dataclasses.dataclass(frozen=True)
class ServingSynth:
    org_root: Path
    contexts: dict[str, Any]  # resolved contexts of App 1, by name
    results: dict[str, Any]  # name -> SynthResult (App 1)
    configs: dict[str, dict]  # name -> cdk.tf.json without metadata (App 1)
    reweighted: dict  # recsys-ab from the spec with new weights (App 2)


def _load_with_model_monitor(org_root: Path, names: list[str]) -> list[Any]:
    """Contexts as an org with `monitoring: {model_monitor: true}` loads them (validation included)."""
    from provisioner.catalog.loader import Catalog
    from provisioner.models.org import load_org
    from provisioner.specs.workspaces import load_named

    org = load_org(org_root / "provision.yaml")
    org.config = org.config.model_copy(update={"monitoring": OrgMonitoring(model_monitor=True)})
    catalog = Catalog.for_org(org)
    return [load_named(org, catalog, name) for name in names]


def _load(org_root: Path, names: list[str]) -> list[Any]:
    from provisioner.catalog.loader import Catalog
    from provisioner.models.org import load_org
    from provisioner.specs.workspaces import load_named

    org = load_org(org_root / "provision.yaml")
    catalog = Catalog.for_org(org)
    return [load_named(org, catalog, name) for name in names]


@pytest.fixture(scope="session")
def serving_synth(tmp_path_factory: pytest.TempPathFactory) -> ServingSynth:
    from provisioner.specs.model_sources import resolve_all
    from provisioner.synthesis.synth import synthesize

    base = tmp_path_factory.mktemp("serving")
    org_root = copy_org(base / "acme")
    workspaces = org_root / "workspaces"
    (workspaces / "search-shadow.yaml").write_text(SHADOW_SPEC)
    ab_text = (workspaces / "recsys-ab.yaml").read_text()
    (workspaces / "recsys-pending.yaml").write_text(
        ab_text.replace("name: recsys-ab", "name: recsys-pending").replace("acme-recsys-ab-prod-models",
                                                                           "acme-recsys-pending-prod-models"))
    assert "  monitoring:\n" in ab_text
    (workspaces / "recsys-mm.yaml").write_text(
        ab_text.replace("name: recsys-ab", "name: recsys-mm")
        .replace("acme-recsys-ab-prod-models", "acme-recsys-mm-prod-models")
        .replace("    min_quality: {metric: auc, threshold: 0.7}\n", "")
        .replace("  monitoring:\n", "  monitoring:\n    engine: model-monitor\n"))

    resolved = resolve_all(_load(org_root, ["recsys-ab", "forecasting", "search-shadow"]), lookup=fixed_lookup)
    pending = resolve_all(_load(org_root, ["recsys-pending"]), offline=True)
    # An organization that is a SageMaker Model Monitor customer (`monitoring.model_monitor: true`).
    with_model_monitor = OrgMonitoring(model_monitor=True)
    resolved = [dataclasses.replace(c, monitoring=with_model_monitor) if c.name == "search-shadow" else c
                for c in resolved]
    [model_monitor] = resolve_all(_load_with_model_monitor(org_root, ["recsys-mm"]), lookup=fixed_lookup)
    contexts = {ctx.name: ctx for ctx in [*resolved, model_monitor, *pending]}
    results = synthesize(list(contexts.values()), base / "out", state_root=base / "state", force=True)

    # The same workspace, its spec changed only in the weights.
    second = copy_org(base / "acme-reweighted")
    spec = second / "workspaces" / "recsys-ab.yaml"
    text = spec.read_text()
    for old, new in zip(AB_WEIGHTS, NEW_WEIGHTS):
        assert old in text
        text = text.replace(old, new)
    spec.write_text(text)
    [reweighted_ctx] = resolve_all(_load(second, ["recsys-ab"]), lookup=fixed_lookup)
    [reweighted] = synthesize([reweighted_ctx], base / "out-reweighted", state_root=base / "state", force=True)

    configs = {r.name: strip_metadata(json.loads(r.config_path.read_text())) for r in results}
    return ServingSynth(org_root, contexts, {r.name: r for r in results}, configs,
                        strip_metadata(json.loads(reweighted.config_path.read_text())))


@pytest.fixture(scope="session")
def synth_stack(serving_synth: ServingSynth, tmp_path_factory: pytest.TempPathFactory) -> Callable[[Any], dict]:
    """Synthesize one more (modified) context in this process; returns its config without metadata."""
    from cdktn import App, Testing

    from infra.workspace_stack import WorkspaceStack
    from provisioner.synthesis.synth import TARGET_VERSIONS

    def run(ctx: Any) -> dict:
        app = App(outdir=str(tmp_path_factory.mktemp("variant")), context={"targetVersions": TARGET_VERSIONS})
        local = "../state.tfstate" if ctx.env.state.backend == "local" else None
        return strip_metadata(json.loads(Testing.synth(WorkspaceStack(app, ctx, local_state_path=local))))

    return run
