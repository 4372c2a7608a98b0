"""One snapshot per blueprint version whose example needs its model resolved: realtime-endpoint@1.1.0
(recsys-ab, its model resolved) and full-mlops@1.0.0 (forecasting); the others are in tests/infra.

Construct ids, Terraform addresses and physical names are an API: a change here replaces cloud resources.
A failing snapshot shows the whole diff; check it is intended, then rewrite as tests/snapshot_files.py
says (only a run where every other test passed rewrites).

The snapshots contain the whole stack (foundation included), so a change to
a shared capability shows here too.
"""

from __future__ import annotations

import pytest
from serving_helpers import SNAPSHOT_DIR
from snapshot_files import compare, render

pytestmark = pytest.mark.synth

BLUEPRINT_EXAMPLES = {"realtime-endpoint@1.1.0": "recsys-ab", "full-mlops@1.0.0": "forecasting"}


@pytest.mark.parametrize(("blueprint", "workspace"), sorted(BLUEPRINT_EXAMPLES.items()))
def test_snapshot_matches_for_each_serving_blueprint(serving_synth, blueprint: str, workspace: str):
    # GIVEN the blueprint's example workspace, synthesized once per session
    assert serving_synth.contexts[workspace].blueprint.ref == blueprint
    # WHEN compared with the stored snapshot
    problem = compare(SNAPSHOT_DIR / f"{blueprint}.json", render(serving_synth.configs[workspace]))
    # THEN nothing differs
    if problem:
        pytest.fail(problem, pytrace=False)
