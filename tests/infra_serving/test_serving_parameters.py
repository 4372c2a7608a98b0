"""The parameter rules of the serving blueprints, through `provision validate` (exit 2, file + field + fix)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from provisioner.catalog.loader import Catalog
from provisioner.errors import InvalidInput
from provisioner.models.org import load_org
from provisioner.specs.workspaces import load_named

ARN = "arn:aws:sagemaker:eu-west-1:111111111111:model-package/acme-{name}-dev-models/1"


def spec(name: str, serving: dict, blueprint: str = "realtime-endpoint@1.0.0", **parameters) -> str:
    return yaml.safe_dump({
        "name": name, "blueprint": blueprint, "environment": "dev", "owner": "alice@example.com",
        "team": "growth", "tags": {"cost-center": "cc-1"},
        "parameters": {"serving": serving, **parameters},
    }, sort_keys=False)


def variant(name: str = "a", **fields) -> dict:
    return {"name": name, "instance_type": "ml.m5.large", "initial_instance_count": 1, "weight": 1,
            "min_instances": 1, "max_instances": 2, **fields}


def write(acme: Path, name: str, text: str) -> None:
    (acme / "workspaces" / f"{name}.yaml").write_text(text)


def assert_rejected(run, acme: Path, name: str, serving: dict, field: str, fragment: str, **parameters) -> None:
    # GIVEN one bad spec beside the valid example workspaces
    write(acme, name, spec(name, serving, **parameters))
    # WHEN validating everything
    result = run("validate")
    # THEN exit 2 and one line names the file, the field and what is wrong, with no traceback
    assert result.code == 2, result.out + result.err
    assert "Traceback" not in result.err
    lines = [line for line in result.error_lines if f"workspaces/{name}.yaml: {field}" in line]
    assert lines, result.err
    assert any(fragment in line for line in lines), lines


def test_example_org_with_serving_workspaces_is_valid(run):
    # GIVEN the example org with recsys-ab and forecasting
    # WHEN validated
    result = run("validate")
    # THEN it passes
    assert result.code == 0, result.err


def test_fails_when_variant_instance_type_is_not_in_the_serving_allowlist(run, acme):
    assert_rejected(run, acme, "bad-type", {"variants": [variant(instance_type="ml.p5.48xlarge")]},
                    "parameters.serving.variants[0].instance_type",
                    "not allowed by the org guardrails (serving_instance_types)")


def test_fails_when_shadow_instance_type_is_not_in_the_serving_allowlist(run, acme):
    assert_rejected(run, acme, "bad-shadow-type",
                    {"variants": [variant()], "shadow_variant": {"name": "s", "instance_type": "ml.p4d.24xlarge"}},
                    "parameters.serving.shadow_variant.instance_type", "serving_instance_types")


def test_fails_when_initial_count_exceeds_max_endpoint_instances(run, acme):
    assert_rejected(run, acme, "too-many", {"variants": [variant(initial_instance_count=7, max_instances=7)]},
                    "parameters.serving.variants[0].initial_instance_count",
                    "exceeds the org guardrail max_endpoint_instances")


def test_fails_when_autoscaling_maximum_exceeds_max_endpoint_instances(run, acme):
    assert_rejected(run, acme, "scale-too-far", {"variants": [variant(max_instances=9)]},
                    "parameters.serving.variants[0].max_instances", "max_endpoint_instances")


def test_fails_when_autoscaling_minimum_is_above_maximum(run, acme):
    assert_rejected(run, acme, "min-above-max", {"variants": [variant(min_instances=3, max_instances=2)]},
                    "parameters.serving.variants[0].min_instances", "is above max_instances")


def test_fails_when_initial_count_is_outside_the_autoscaling_bounds(run, acme):
    assert_rejected(run, acme, "start-outside", {"variants": [variant(initial_instance_count=3, max_instances=2)]},
                    "parameters.serving.variants[0].initial_instance_count", "outside min_instances..max_instances")


def test_fails_when_a_count_is_zero(run, acme):
    assert_rejected(run, acme, "zero-count", {"variants": [variant(initial_instance_count=0)]},
                    "parameters.serving.variants[0].initial_instance_count", "below the minimum 1")


def test_fails_when_a_weight_is_negative(run, acme):
    assert_rejected(run, acme, "negative", {"variants": [variant(weight=-1)]},
                    "parameters.serving.variants[0].weight", "below the minimum 0")


def test_fails_when_all_weights_are_zero(run, acme):
    assert_rejected(run, acme, "all-zero", {"variants": [variant("a", weight=0), variant("b", weight=0)]},
                    "parameters.serving.variants", "every variant has weight 0")


def test_fails_when_sampling_percentage_is_above_100(run, acme):
    assert_rejected(run, acme, "capture-high", {"data_capture_percentage": 101},
                    "parameters.serving.data_capture_percentage", "above the maximum 100")


def test_fails_when_sampling_percentage_is_negative(run, acme):
    assert_rejected(run, acme, "capture-low", {"data_capture_percentage": -5},
                    "parameters.serving.data_capture_percentage", "below the minimum 0")


def test_fails_when_variant_names_repeat(run, acme):
    assert_rejected(run, acme, "twins", {"variants": [variant("same"), variant("same")]},
                    "parameters.serving.variants[1].name", "duplicate name 'same'")


def test_fails_when_shadow_variant_reuses_a_production_name(run, acme):
    assert_rejected(run, acme, "shadow-twin",
                    {"variants": [variant("a")], "shadow_variant": {"name": "a", "instance_type": "ml.m5.large"}},
                    "parameters.serving.shadow_variant.name", "also a production variant name")


def test_fails_when_there_are_more_than_ten_variants(run, acme):
    assert_rejected(run, acme, "eleven", {"variants": [variant(f"v{i}") for i in range(11)]},
                    "parameters.serving.variants", "at most 10 are allowed")


def test_fails_when_there_are_no_variants(run, acme):
    assert_rejected(run, acme, "none", {"variants": []}, "parameters.serving.variants", "needs at least 1")


def test_fails_when_a_variant_name_is_not_a_sagemaker_name(run, acme):
    assert_rejected(run, acme, "bad-name", {"variants": [variant("under_score")]},
                    "parameters.serving.variants[0].name", "does not match")


def test_fails_when_a_shadow_variant_sits_next_to_two_production_variants(run, acme):
    assert_rejected(run, acme, "ab-and-shadow",
                    {"variants": [variant("a"), variant("b")], "shadow_variant": {"name": "s",
                                                                                 "instance_type": "ml.m5.large"}},
                    "parameters.serving.shadow_variant", "needs exactly one production variant")


def test_fails_when_a_model_package_is_not_an_arn(run, acme):
    assert_rejected(run, acme, "not-arn", {"variants": [variant(model_package="my-model:3")]},
                    "parameters.serving.variants[0].model_package", "does not match")


def test_fails_when_only_some_variants_have_a_model(run, acme):
    assert_rejected(run, acme, "half-ready",
                    {"variants": [variant("a"), variant("b", model_package=ARN.format(name="half-ready"))]},
                    "parameters.serving.variants[0].model_package", "has no model while others have one")


def test_fails_when_both_a_model_package_and_an_image_are_given(run, acme):
    image = "111111111111.dkr.ecr.eu-west-1.amazonaws.com/inference:1"
    assert_rejected(run, acme, "two-sources",
                    {"model_package": "latest-approved", "image_uri": image, "model_data": "m/model.tar.gz"},
                    "parameters.serving.image_uri", "both model_package and image_uri are set")


def test_fails_when_an_image_comes_without_model_data(run, acme):
    assert_rejected(run, acme, "no-data", {"image_uri": "111111111111.dkr.ecr.eu-west-1.amazonaws.com/inference:1"},
                    "parameters.serving.model_data", "image_uri is set but model_data is empty")


def test_fails_when_data_capture_is_off_but_monitoring_needs_it(run, acme):
    assert_rejected(run, acme, "blind", {"data_capture_percentage": 0},
                    "parameters.serving.data_capture_percentage", "monitoring reads the captured data")


def test_fails_when_the_monitoring_schedule_is_unknown(run, acme):
    assert_rejected(run, acme, "weekly", {}, "parameters.monitoring.schedule", "not allowed by the blueprint",
                    monitoring={"schedule": "weekly"})


def test_fails_when_the_mlflow_size_is_unknown(run, acme):
    # GIVEN a full-mlops workspace asking for an MLflow size SageMaker does not offer
    write(acme, "huge-mlflow", spec("huge-mlflow", {}, blueprint="full-mlops@1.0.0",
                                    experiments={"mlflow_size": "XLarge"}))
    result = run("validate")
    # THEN the size field is named with the allowed sizes
    assert result.code == 2
    assert any("workspaces/huge-mlflow.yaml: parameters.experiments.mlflow_size" in line
               and "Small, Medium, Large" in line for line in result.error_lines), result.err


def test_fails_with_every_problem_of_a_spec_at_once(acme):
    # GIVEN one spec with three independent problems
    write(acme, "many", spec("many", {"variants": [variant(instance_type="ml.p5.48xlarge", weight=-1)],
                                      "data_capture_percentage": 200}))
    org = load_org(acme / "provision.yaml")
    # WHEN it is resolved
    with pytest.raises(InvalidInput) as caught:
        load_named(org, Catalog.for_org(org), "many")
    # THEN all three are reported together, each with its field
    fields = {p.field for p in caught.value.problems}
    assert {"parameters.serving.variants[0].instance_type", "parameters.serving.variants[0].weight",
            "parameters.serving.data_capture_percentage"} <= fields


def test_fails_when_a_model_package_is_in_another_account(run, acme):
    other = "arn:aws:sagemaker:eu-west-1:999999999999:model-package/acme-elsewhere-dev-models/1"
    assert_rejected(run, acme, "elsewhere", {"model_package": other},
                    "parameters.serving.model_package", "not in the environment's account 111111111111/eu-west-1")
