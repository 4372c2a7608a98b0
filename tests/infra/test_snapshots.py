"""Snapshots of the synthesized Terraform JSON, one per example workspace.

Construct ids, Terraform addresses and physical names are an API: a change
here replaces cloud resources. A failing snapshot means: check the diff is
intended, then regenerate with

    PROVISION_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/infra/test_snapshots.py

The snapshot is the sorted cdk.tf.json without cdktn's `//` metadata; the
local backend path of sandbox workspaces is relative to the stack folder and
so the same on every machine.
"""

from __future__ import annotations

import difflib
import json
import os

import pytest
from infra_helpers import SNAPSHOT_DIR, UPDATE_SNAPSHOTS_ENV


def render(config: dict) -> str:
    return json.dumps(config, indent=2, sort_keys=True) + "\n"


def test_snapshot_matches_for_every_buildable_example_workspace(synthesized, example_org):
    # GIVEN every example workspace this version can build, synthesized once
    update = os.environ.get(UPDATE_SNAPSHOTS_ENV) == "1"
    problems = []
    # WHEN each config is compared with its stored snapshot
    for name, config in sorted(synthesized.configs.items()):
        path = SNAPSHOT_DIR / f"{name}.json"
        text = render(config)
        if update:
            SNAPSHOT_DIR.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            continue
        if not path.is_file():
            problems.append(f"{name}: no snapshot at {path}")
            continue
        stored = path.read_text()
        if stored != text:
            diff = "".join(difflib.unified_diff(stored.splitlines(True), text.splitlines(True),
                                                f"snapshots/{name}.json", "synthesized", n=2))
            problems.append(f"{name} differs from its snapshot:\n{diff[:6000]}")
    # THEN nothing differs (regenerate deliberately with PROVISION_UPDATE_SNAPSHOTS=1)
    if problems:
        pytest.fail("\n\n".join(problems) + f"\n\nIf intended: {UPDATE_SNAPSHOTS_ENV}=1 pytest {__file__}",
                    pytrace=False)


def test_every_snapshot_belongs_to_a_synthesized_workspace(synthesized):
    # GIVEN the stored snapshots
    stored = {path.stem for path in SNAPSHOT_DIR.glob("*.json")}
    # WHEN compared with the workspaces synthesized
    stale = stored - set(synthesized.configs)
    # THEN none is left over from a removed or renamed workspace
    assert not stale, f"stale snapshots (delete them): {sorted(stale)}"


def test_synth_output_is_deterministic(synthesized, example_org, tmp_path):
    # GIVEN the example workspaces synthesized once already
    from provisioner.synth import synthesize

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
