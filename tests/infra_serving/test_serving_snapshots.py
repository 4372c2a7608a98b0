"""One snapshot per serving blueprint: realtime-endpoint (recsys-ab, its model resolved) and full-mlops (forecasting).

Construct ids, Terraform addresses and physical names are an API: a change
here replaces cloud resources. A failing snapshot means: check the diff is
intended, then regenerate with

    PROVISION_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/infra_serving/test_serving_snapshots.py

The snapshots contain the whole stack (foundation included), so a change to
a shared capability shows here too.
"""

from __future__ import annotations

import difflib
import json
import os

import pytest
from serving_helpers import SNAPSHOT_DIR, UPDATE_SNAPSHOTS_ENV

pytestmark = pytest.mark.synth

BLUEPRINT_EXAMPLES = {"realtime-endpoint": "recsys-ab", "full-mlops": "forecasting"}


def render(config: dict) -> str:
    return json.dumps(config, indent=2, sort_keys=True) + "\n"


@pytest.mark.parametrize(("blueprint", "workspace"), sorted(BLUEPRINT_EXAMPLES.items()))
def test_snapshot_matches_for_each_serving_blueprint(serving_synth, blueprint: str, workspace: str):
    # GIVEN the blueprint's example workspace, synthesized once per session
    assert serving_synth.contexts[workspace].blueprint.name == blueprint
    text = render(serving_synth.configs[workspace])
    path = SNAPSHOT_DIR / f"{blueprint}.json"
    if os.environ.get(UPDATE_SNAPSHOTS_ENV) == "1":
        SNAPSHOT_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    # WHEN compared with the stored snapshot
    assert path.is_file(), f"no snapshot at {path}; create it with {UPDATE_SNAPSHOTS_ENV}=1"
    stored = path.read_text()
    diff = "".join(difflib.unified_diff(stored.splitlines(True), text.splitlines(True),
                                        f"snapshots/{blueprint}.json", "synthesized", n=2))
    # THEN nothing differs
    assert stored == text, f"{diff[:6000]}\nIf intended: {UPDATE_SNAPSHOTS_ENV}=1 pytest {__file__}"
