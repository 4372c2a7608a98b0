"""`provision endpoint weights` on specs whose parameters say nothing of serving: one message, never a traceback.
Kills a mutant of provisioner/ds/weights.py the other weight tests let live (docs/testing.md)."""

from __future__ import annotations

from pathlib import Path


def test_fails_with_one_message_when_the_parameters_have_no_serving_section(run, org: Path):
    # GIVEN a serving workspace whose parameters hold a budget and nothing about serving
    spec = org / "workspaces" / "budgeted.yaml"
    spec.write_text("name: budgeted\nblueprint: realtime-endpoint@1.0.0\nenvironment: dev\nowner: dana@example.com\n"
                    "team: personalization\ntags: {cost-center: cc-9000}\nparameters:\n  budget:\n    monthly_usd: 300\n")
    before = spec.read_bytes()
    # WHEN a weight is set
    result = run("endpoint", "weights", "budgeted", "primary=2")
    # THEN it is invalid input saying to list the variants first, and the spec is untouched
    assert result.code == 2, result.err
    assert len(result.error_lines) == 1 and "the spec lists no variants" in result.err
    assert spec.read_bytes() == before
