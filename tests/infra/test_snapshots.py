"""Snapshots of the synthesized Terraform JSON, one per shipped blueprint version (those whose examples
need a resolved model are in tests/infra_serving), named `<blueprint>@<version>.json`.

Construct ids, Terraform addresses and physical names are an API: a change here replaces cloud resources.
A failing snapshot shows the whole diff; check it is intended, then rewrite as tests/snapshot_files.py
says (only a run where every other test passed rewrites).

The snapshot is the sorted cdk.tf.json without cdktn's `//` metadata.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from infra_helpers import SNAPSHOT_DIR
from snapshot_files import compare, render

BLUEPRINT_EXAMPLES = {"gpu-training@1.0.0": "churn-model", "notebook-lab@1.0.0": "notebook-lab-ws",
                      "full-mlops@1.1.0": "demand-forecast", "realtime-endpoint@1.0.0": "search-ranker"}
TESTS = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(("blueprint", "workspace"), sorted(BLUEPRINT_EXAMPLES.items()))
def test_snapshot_matches_for_each_blueprint(synthesized, example_org, blueprint: str, workspace: str):
    # GIVEN the blueprint's example workspace, synthesized once per session
    assert example_org.contexts[workspace].blueprint.ref == blueprint
    # WHEN its config is compared with the stored snapshot
    problem = compare(SNAPSHOT_DIR / f"{blueprint}.json", render(synthesized.configs[workspace]))
    # THEN nothing differs
    if problem:
        pytest.fail(problem, pytrace=False)


def test_every_shipped_blueprint_version_has_exactly_one_snapshot():
    # GIVEN the shipped blueprint versions and the snapshots of both synth test folders
    shipped = {f"{path.parent.name}@{path.stem}" for path in (TESTS.parent / "blueprints").glob("*/*.yaml")}
    stored = sorted(path.stem for path in TESTS.glob("infra*/snapshots/*.json"))
    # THEN each version has one snapshot, and no snapshot belongs to anything else
    assert stored == sorted(shipped)


def test_synth_output_is_deterministic(synthesized, example_org, tmp_path):
    # GIVEN the example workspaces synthesized once already
    from provisioner.synthesis.synth import synthesize

    first = {name: render(config) for name, config in synthesized.configs.items()}
    # WHEN synthesized again into another folder with the same layout
    out_dir, state_root = tmp_path / "cdktf.out", tmp_path / "state"
    results = synthesize(list(example_org.buildable.values()), out_dir, state_root=state_root, force=True)
    from infra_helpers import strip_metadata

    again = {r.name: render(strip_metadata(json.loads(r.config_path.read_text()))) for r in results}
    # THEN the configs are byte-for-byte the same
    assert again == first


@pytest.mark.parametrize("name", ["churn-model", "fraud-detector", "sandbox-trial"])
def test_example_workspace_is_synthesized(synthesized, name):
    # GIVEN the example org  THEN the gpu-training examples (s3 and local state) are among those synthesized
    assert name in synthesized.configs
    assert synthesized.results[name].resources > 30
