"""The e2e tier's one `e2e:` line (e2e_support.summary_line): what `make test` says the real-provider tier did.

No provider needed: these check the line itself, from the outcomes and steps a run records.
"""

from __future__ import annotations

from e2e_support import summary_line


def test_line_counts_each_step_per_blueprint_version():
    # GIVEN two blueprint versions through every step and one that failed at its second plan
    steps = {"a@1.0.0": ["plan", "apply", "replan", "destroy"], "a@1.1.0": ["plan", "apply", "replan", "destroy"],
             "b@1.0.0": ["plan", "apply"]}
    outcomes = {"a@1.0.0": "passed", "a@1.1.0": "passed", "b@1.0.0": "failed"}
    # WHEN the line is written
    line = summary_line(outcomes, steps, "6.69.1", None)
    # THEN it names the failure and counts what each step got through
    assert line == ("e2e: FAILED for b@1.0.0; 3 blueprint versions: 3 planned, 3 applied, 2 re-planned, "
                    "2 destroyed (AWS provider 6.69.1)")


def test_line_says_in_capitals_that_the_tier_did_not_run_and_why():
    # GIVEN no lifecycle ran, for want of a provider build
    # WHEN the line is written  THEN it cannot be mistaken for a green tier
    line = summary_line({}, {}, None, "no AWS provider build in the user cache (make aws-provider)")
    assert line == "e2e: DID NOT RUN (no AWS provider build in the user cache (make aws-provider))"
