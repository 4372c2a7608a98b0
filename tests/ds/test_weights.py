"""`provision endpoint weights`: variant weights changed in the spec, and nothing else."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
import yaml

from provisioner.ds.weights import edit_text, parse_assignments
from provisioner.errors import InvalidInput

SPEC = "workspaces/recsys-ab.yaml"


def _changed_lines(before: str, after: str) -> list[str]:
    return [line for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def test_weights_change_only_the_weight_values_in_the_spec(run, org: Path):
    # GIVEN recsys-ab with champion 90 / challenger 10
    spec = org / SPEC
    before = spec.read_text()
    # WHEN the weights become 80 / 20
    result = run("endpoint", "weights", "recsys-ab", "champion=80", "challenger=20")
    # THEN only the two weight values changed: comments, order and every other line are as they were
    assert result.code == 0, result.err
    after = spec.read_text()
    assert _changed_lines(before, after) == [
        "-        weight: 90", "+        weight: 80", "-        weight: 10", "+        weight: 20"]
    # AND the data is the old spec with new weights
    old, new = yaml.safe_load(before), yaml.safe_load(after)
    for variant in old["parameters"]["serving"]["variants"]:
        variant["weight"] = {"champion": 80, "challenger": 20}[variant["name"]]
    assert new == old
    # AND it says the change reaches the endpoint through plan and apply, and what to run next
    assert "80.0% of traffic" in result.out and "20.0% of traffic" in result.out
    assert result.out.rstrip().endswith("next: provision plan recsys-ab")


def test_weights_of_a_flow_style_variant_change_in_place(run, org: Path):
    # GIVEN forecasting, whose variant is written on one line `{name: primary, ..., weight: 1, ...}`
    spec = org / "workspaces" / "forecasting.yaml"
    before = spec.read_text()
    # WHEN its weight is set  THEN only that number changes on that line
    result = run("endpoint", "weights", "forecasting", "primary=3", "-o", "json")
    assert result.code == 0, result.err
    changed = _changed_lines(before, spec.read_text())
    assert len(changed) == 2 and changed[1] == changed[0].replace("-", "+", 1).replace("weight: 1,", "weight: 3,")
    assert result.json()["changed"] == [{"variant": "primary", "old": 1, "new": 3}]
    assert result.json()["next"] == "provision plan forecasting"


def test_a_variant_without_weight_gets_one_line_keeping_comments():
    # GIVEN a spec whose challenger relies on the default weight, with comments around it
    text = (
        "name: ab\n"
        "parameters:\n"
        "  serving.variants:   # flat form\n"
        "    - name: champion   # the current model\n"
        "      instance_type: ml.m5.large\n"
        "      weight: 9  # most traffic\n"
        "    - name: challenger # new model\n"
        "      instance_type: ml.m5.large\n"
        "# trailing comment\n"
    )
    # WHEN both weights are set
    new_text, changes = edit_text(text, {"champion": 7.5, "challenger": 2.5}, "ab.yaml")
    # THEN the champion's value changes in place (its comment kept) and the challenger gets a weight line
    assert new_text == text.replace("weight: 9  # most", "weight: 7.5  # most").replace(
        "    - name: challenger # new model\n", "    - name: challenger # new model\n      weight: 2.5\n")
    assert [(c.variant, c.old, c.new) for c in changes] == [("champion", 9, 7.5), ("challenger", 1, 2.5)]


def test_unchanged_weights_leave_the_file_untouched(run, org: Path):
    # GIVEN recsys-ab  WHEN the weights it already has are given  THEN nothing is written
    spec = org / SPEC
    before = spec.stat().st_mtime_ns, spec.read_bytes()
    result = run("endpoint", "weights", "recsys-ab", "champion=90", "challenger=10.0")
    assert result.code == 0, result.err
    assert "nothing changed" in result.out
    assert (spec.stat().st_mtime_ns, spec.read_bytes()) == before


@pytest.mark.parametrize("args, expected", [
    (["champion=80", "nobody=20"], "nobody: no such variant in workspaces/recsys-ab.yaml; variants: champion, challenger"),
    (["champion=heavy"], "champion: weight 'heavy' is not a number"),
    (["champion=-1"], "champion: weight '-1' is negative"),
    (["champion"], "'champion' is not VARIANT=WEIGHT"),
    (["champion=0", "challenger=0"], "every variant has weight 0, so no traffic would be served"),
])
def test_fails_when_weights_are_invalid_and_writes_nothing(run, org: Path, args: list[str], expected: str):
    # GIVEN recsys-ab
    spec = org / SPEC
    before = spec.read_bytes()
    # WHEN invalid weights are given
    result = run("endpoint", "weights", "recsys-ab", *args)
    # THEN it is invalid input (exit 2), saying what is wrong, and the spec is untouched
    assert result.code == 2, result.err
    assert expected in result.err
    assert spec.read_bytes() == before
    assert list(spec.parent.glob(".recsys-ab.yaml.*")) == []  # no temporary file left behind


def test_fails_when_naming_the_shadow_variant(run, org: Path):
    # GIVEN a workspace with one production variant and a shadow variant
    spec = org / "workspaces" / "shadowed.yaml"
    spec.write_text(
        "name: shadowed\nblueprint: realtime-endpoint@1.0.0\nenvironment: dev\nowner: dana@example.com\n"
        "team: personalization\ntags: {cost-center: cc-9000}\nparameters:\n  serving:\n"
        "    model_package: latest-approved\n"
        "    variants:\n      - {name: main, instance_type: ml.m5.large, weight: 1}\n"
        "    shadow_variant: {name: shade, instance_type: ml.m5.large}\n")
    before = spec.read_bytes()
    # WHEN the shadow variant's weight is set  THEN it is refused: a shadow gets a copy of all traffic
    result = run("endpoint", "weights", "shadowed", "shade=5")
    assert result.code == 2, result.err
    assert "is the shadow variant" in result.err
    assert spec.read_bytes() == before


def test_fails_when_the_spec_lists_no_variants(run, org: Path):
    # GIVEN a serving workspace that relies on the blueprint's default single variant
    spec = org / "workspaces" / "single.yaml"
    spec.write_text("name: single\nblueprint: realtime-endpoint@1.0.0\nenvironment: dev\nowner: dana@example.com\n"
                    "team: personalization\ntags: {cost-center: cc-9000}\n")
    # WHEN a weight is set  THEN it says to list the variants first
    result = run("endpoint", "weights", "single", "primary=2")
    assert result.code == 2, result.err
    assert "the spec lists no variants" in result.err
    assert "weight" not in spec.read_text()


def test_fails_when_the_workspace_has_no_endpoint(run, org: Path):
    # GIVEN churn-model (training only)  WHEN weights are set  THEN it is refused as invalid input
    result = run("endpoint", "weights", "churn-model", "primary=1")
    assert result.code == 2, result.err
    assert "has no endpoint" in result.err


def test_assignments_parse_numbers_and_report_every_problem():
    # GIVEN mixed assignments  WHEN parsed  THEN ints stay ints, floats floats, and all problems come at once
    assert parse_assignments(["a=3", "b=0.5", "c=0"]) == {"a": 3, "b": 0.5, "c": 0}
    with pytest.raises(InvalidInput) as caught:
        parse_assignments(["a=x", "b=nan", "c=inf", "a=1", "=3"])
    assert len(caught.value.problems) == 4  # a=x, nan, inf, and `=3`; the repeated `a` is reported once a is valid
