"""Fixtures shared by the audit tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from audit_fixtures import FIXTURES

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


def _deployed(ctx):
    """The workspace under another name, serving an explicit model version of its own registry."""
    import dataclasses
    import json

    name = f"{ctx.name}-live"
    old_group, group = (f"{ctx.org}-{n}-{ctx.environment}-models" for n in (ctx.name, name))
    parameters = json.loads(json.dumps(ctx.parameters).replace(old_group, group))  # variants' explicit versions
    parameters["serving.model_package"] = f"arn:aws:sagemaker:{ctx.region}:{ctx.account_id}:model-package/{group}/7"
    return dataclasses.replace(ctx, name=name, parameters=parameters, tags={**ctx.tags, "provision:workspace": name})


@pytest.fixture(scope="session")
def example(tmp_path_factory: pytest.TempPathFactory):
    """Every example workspace synthesized for real (one cdktn App): (catalog, {name: (context, cdk.tf.json)}).

    Serving examples name `latest-approved` models, which synth can only resolve against a live registry, so
    they come without model and endpoint; each is synthesized a second time as `<name>-live`, deployed from an
    explicit model version of its own registry, so that the endpoint, its autoscaling and its monitoring are
    there too."""
    from provisioner.catalog.loader import Catalog
    from provisioner.models.org import load_org
    from provisioner.specs.workspaces import load_all
    from provisioner.synthesis.synth import synthesize

    org = load_org(ROOT / "examples" / "acme" / "provision.yaml")
    catalog = Catalog.for_org(org)
    contexts = load_all(org, catalog)
    contexts += [_deployed(ctx) for ctx in contexts if ctx.has("serving")]
    base = tmp_path_factory.mktemp("blueprint-audit")
    results = synthesize(contexts, base / "cdktf.out", state_root=base / "state")
    return catalog, {ctx.name: (ctx, r.config_path) for ctx, r in zip(contexts, results)}
