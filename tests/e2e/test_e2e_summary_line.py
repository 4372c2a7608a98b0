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


def _build(version: str, commit: str):
    from provisioner.engine.aws_provider import Build

    return Build(version=version, path="/nonexistent", commit=commit, go_version="go1.26", seconds=1.0,
                 peak_rss_mib=1, size_mib=1, built_at="2026-12-01T00:00:00Z")


def test_the_tier_accepts_only_the_provider_the_bindings_or_the_pin_name(monkeypatch):
    from e2e_support import provider_build_problem
    from provisioner.engine import aws_provider

    monkeypatch.delenv(aws_provider.REF_ENV, raising=False)
    pinned = aws_provider.DEFAULT_REF.rsplit("-", 1)[-1]
    # GIVEN builds of the bindings' version, of the pinned commit, and of some other commit
    # WHEN the tier checks them  THEN the first two are accepted, the third is refused with the rebuild step
    assert provider_build_problem(_build(aws_provider.required_version(), "0" * 40)) is None
    assert provider_build_problem(_build("6.47.1-dev.20260602.g" + pinned, pinned + "0" * 28)) is None
    problem = provider_build_problem(_build("6.40.0-dev.20260101.gabcdefabcdef", "abcdefabcdef" + "0" * 28))
    assert problem is not None and "make aws-provider" in problem and "abcdefabcdef" in problem


def test_every_released_blueprint_version_has_an_example_to_apply():
    # GIVEN the released and snapshotted blueprint versions  WHEN the e2e tier picks its examples
    # THEN each of them is among the versions it takes through apply (checked here without a provider)
    from e2e_support import example_per_version, released_versions

    assert sorted(released_versions() - set(example_per_version())) == []
