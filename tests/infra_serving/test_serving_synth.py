"""The serving capability as synthesized by the real cdktn App (see conftest.py for the workspaces)."""

from __future__ import annotations

import dataclasses
import json

import pytest
from serving_helpers import RESOLVED_VERSION, addresses, differences, resources


pytestmark = pytest.mark.synth

ENDPOINT_CONFIG = "aws_sagemaker_endpoint_configuration"


def config_of(serving_synth, name: str) -> dict:
    return serving_synth.configs[name]


def endpoint_config(config: dict) -> dict:
    return resources(config, ENDPOINT_CONFIG)["serving"]


# --- variants, weights, shadow ---------------------------------------------------------------

def test_ab_variants_carry_the_spec_weights_counts_and_instance_types(serving_synth):
    # GIVEN recsys-ab: champion 90 on 2 instances, challenger 10 on 1
    # WHEN synthesized
    variants = endpoint_config(config_of(serving_synth, "recsys-ab"))["production_variants"]
    # THEN the endpoint configuration lists both, in spec order, with the spec's values
    assert [(v["variant_name"], v["initial_variant_weight"], v["initial_instance_count"], v["instance_type"])
            for v in variants] == [("champion", 90, 2, "ml.g4dn.xlarge"), ("challenger", 10, 1, "ml.g4dn.xlarge")]
    assert "shadow_production_variants" not in endpoint_config(config_of(serving_synth, "recsys-ab"))


def test_each_variant_serves_its_own_model_from_the_registry(serving_synth):
    # GIVEN champion = latest-approved (resolved to version 7), challenger = version 3
    config = config_of(serving_synth, "recsys-ab")
    models = resources(config, "aws_sagemaker_model")
    variants = {v["variant_name"]: v["model_name"] for v in endpoint_config(config)["production_variants"]}
    # THEN each variant points at its own model resource, built from its own package
    assert variants == {"champion": "${aws_sagemaker_model.serving_model_champion.name}",
                        "challenger": "${aws_sagemaker_model.serving_model_challenger.name}"}
    group = "arn:aws:sagemaker:eu-west-1:222222222222:model-package/acme-recsys-ab-prod-models"
    assert models["serving_model_champion"]["primary_container"] == {"model_package_name": f"{group}/{RESOLVED_VERSION}"}
    assert models["serving_model_challenger"]["primary_container"] == {"model_package_name": f"{group}/3"}


def test_models_run_isolated_under_the_execution_role_in_the_vpc(serving_synth):
    # GIVEN recsys-ab in prod, whose environment has subnets and a security group
    config = config_of(serving_synth, "recsys-ab")
    ctx = serving_synth.contexts["recsys-ab"]
    for model in resources(config, "aws_sagemaker_model").values():
        # THEN network isolation is on, the workspace role runs it, inside the environment's VPC
        assert model["enable_network_isolation"] is True
        assert model["execution_role_arn"] == "arn:aws:iam::222222222222:role/acme-recsys-ab-prod-execution"
        assert model["vpc_config"] == {"subnets": list(ctx.env.subnet_ids),
                                       "security_group_ids": list(ctx.env.security_group_ids)}
        assert "aws_iam_role.execution_role" in model["depends_on"]
        assert "aws_iam_role_policy.execution_role" in model["depends_on"]


def test_model_from_image_reads_model_data_from_the_artifacts_bucket(serving_synth):
    # GIVEN search-shadow: the live variant from an image in an AWS ECR account plus model.tar.gz
    config = config_of(serving_synth, "search-shadow")
    model = resources(config, "aws_sagemaker_model")["serving_model_live"]
    # THEN the container names the image and the artifacts bucket key
    assert model["primary_container"] == {
        "image": "763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:2.3.0-cpu-py311",
        "model_data_url": "s3://acme-search-shadow-dev-artifacts-111111111111/models/ranker/v12/model.tar.gz",
    }
    # AND the execution role may pull that (foreign) repository, and only it
    role_policy = json.loads(resources(config, "aws_iam_role_policy")["execution_role"]["policy"])
    pull = next(s for s in role_policy["Statement"] if s["Sid"] == "PullServingImage")
    assert pull["Resource"] == "arn:aws:ecr:eu-west-1:763104351884:repository/pytorch-inference"


def test_shadow_variant_mirrors_the_production_variant(serving_synth):
    # GIVEN search-shadow: one production variant (weight 1) and a shadow from the registry
    config = config_of(serving_synth, "search-shadow")
    endpoint = endpoint_config(config)
    # THEN the shadow is a shadow production variant with its own model and the production weight
    [live] = endpoint["production_variants"]
    [shadow] = endpoint["shadow_production_variants"]
    assert live["variant_name"] == "live"
    assert shadow == {
        "variant_name": "candidate", "instance_type": "ml.c5.xlarge", "initial_instance_count": 1,
        "initial_variant_weight": live["initial_variant_weight"],
        "model_name": "${aws_sagemaker_model.serving_model_candidate.name}",
    }
    package = resources(config, "aws_sagemaker_model")["serving_model_candidate"]["primary_container"]
    assert package == {"model_package_name":
                       "arn:aws:sagemaker:eu-west-1:111111111111:model-package/acme-search-shadow-dev-models/2"}
    # AND the shadow is not autoscaled (only production variants are)
    assert set(resources(config, "aws_appautoscaling_target")) == {"serving_scaling_live"}


# --- data capture and encryption ------------------------------------------------------------

def test_data_capture_goes_to_the_data_bucket_encrypted_with_the_workspace_key(serving_synth):
    # GIVEN recsys-ab captures 25%
    config = config_of(serving_synth, "recsys-ab")
    capture = endpoint_config(config)["data_capture_config"]
    # THEN requests and responses go under data-capture/ of the data bucket, KMS-encrypted
    assert capture == {
        "enable_capture": True, "initial_sampling_percentage": 25,
        "destination_s3_uri": "s3://acme-recsys-ab-prod-data-222222222222/data-capture",
        "kms_key_id": "${aws_kms_key.key.arn}",
        "capture_options": [{"capture_mode": "Input"}, {"capture_mode": "Output"}],
    }
    # AND the execution role (which SageMaker writes captures with) may write there and only there
    role_policy = json.loads(resources(config, "aws_iam_role_policy")["execution_role"]["policy"])
    write = next(s for s in role_policy["Statement"] if s["Sid"] == "WriteEndpointDataCapture")
    assert write["Action"] == "s3:PutObject"
    assert write["Resource"] == "arn:aws:s3:::acme-recsys-ab-prod-data-222222222222/data-capture/*"


def test_endpoint_config_volume_key_only_where_sagemaker_accepts_one(serving_synth):
    # GIVEN recsys-ab on ml.g4dn (local NVMe storage) and search-shadow on ml.m5/ml.c5 (EBS)
    # THEN only the EBS-backed endpoint configuration names the workspace key for its volumes
    assert "kms_key_arn" not in endpoint_config(config_of(serving_synth, "recsys-ab"))
    assert endpoint_config(config_of(serving_synth, "search-shadow"))["kms_key_arn"] == "${aws_kms_key.key.arn}"
    # AND the synth summary says why the g4dn endpoint has none
    assert any("ml.g4dn.xlarge" in n and "local NVMe" in n for n in serving_synth.results["recsys-ab"].notes)


# --- rollout: names, lifecycle, weight changes -------------------------------------------------

def test_endpoint_config_has_no_fixed_name_and_is_replaced_create_before_destroy(serving_synth):
    # GIVEN the provider replaces an endpoint configuration on any change (every argument is ForceNew)
    config = config_of(serving_synth, "recsys-ab")
    endpoint = endpoint_config(config)
    # THEN the configuration has only a name prefix and is created before the old one is destroyed
    assert "name" not in endpoint
    assert endpoint["name_prefix"] == "acme-recsys-ab-prod-config-"
    assert len(endpoint["name_prefix"]) <= 37
    assert endpoint["lifecycle"] == {"create_before_destroy": True}
    # AND the endpoint keeps a fixed name and follows the configuration by reference (updated in place)
    assert resources(config, "aws_sagemaker_endpoint")["serving"]["name"] == "acme-recsys-ab-prod-endpoint"
    assert resources(config, "aws_sagemaker_endpoint")["serving"]["endpoint_config_name"] == \
        "${aws_sagemaker_endpoint_configuration.serving.name}"


def test_a_weight_only_change_differs_only_in_the_weights(serving_synth):
    # GIVEN recsys-ab, and the same spec with 50/50 instead of 90/10
    before, after = config_of(serving_synth, "recsys-ab"), serving_synth.reweighted
    # WHEN both are synthesized
    changed = differences(before, after)
    # THEN the configs differ in exactly the two weights: same addresses, same names, nothing else
    prefix = f"resource.{ENDPOINT_CONFIG}.serving.production_variants"
    assert changed == [f"{prefix}[0].initial_variant_weight", f"{prefix}[1].initial_variant_weight"]
    assert addresses(before) == addresses(after)
    weights = [v["initial_variant_weight"] for v in endpoint_config(after)["production_variants"]]
    assert weights == [50, 50]


def test_model_names_change_with_the_model_and_only_then(serving_synth, synth_stack):
    # GIVEN recsys-ab with the challenger moved from version 3 to version 4
    ctx = serving_synth.contexts["recsys-ab"]
    variants = [dict(v) for v in ctx.parameters["serving.variants"]]
    variants[1]["model_package"] = variants[1]["model_package"].replace("/3", "/4")
    changed = synth_stack(dataclasses.replace(ctx, parameters={**ctx.parameters, "serving.variants": variants}))
    before = resources(config_of(serving_synth, "recsys-ab"), "aws_sagemaker_model")
    after = resources(changed, "aws_sagemaker_model")
    # THEN the challenger's model gets a new name (created before the configuration that uses it)
    assert after["serving_model_challenger"]["name"] != before["serving_model_challenger"]["name"]
    assert after["serving_model_challenger"]["name"].startswith("acme-recsys-ab-prod-challenger-")
    # AND the champion's model keeps its name
    assert after["serving_model_champion"]["name"] == before["serving_model_champion"]["name"]


# --- autoscaling -------------------------------------------------------------------------------

def test_each_production_variant_autoscales_within_its_bounds(serving_synth):
    # GIVEN champion 2..4 and challenger 1..2, target 100 invocations per instance (the default)
    config = config_of(serving_synth, "recsys-ab")
    targets = resources(config, "aws_appautoscaling_target")
    policies = resources(config, "aws_appautoscaling_policy")
    # THEN one scalable target per variant with the spec's bounds, on the endpoint's variant
    bounds = {name: (t["min_capacity"], t["max_capacity"], t["resource_id"]) for name, t in targets.items()}
    assert bounds == {
        "serving_scaling_champion": (2, 4, "endpoint/${aws_sagemaker_endpoint.serving.name}/variant/champion"),
        "serving_scaling_challenger": (1, 2, "endpoint/${aws_sagemaker_endpoint.serving.name}/variant/challenger"),
    }
    ctx = serving_synth.contexts["recsys-ab"]
    assert all(hi <= ctx.guardrails.max_endpoint_instances for _, hi, _ in bounds.values())
    # AND a target-tracking policy on invocations per instance for each
    for name, policy in policies.items():
        assert policy["policy_type"] == "TargetTrackingScaling"
        tracking = policy["target_tracking_scaling_policy_configuration"]
        assert tracking["target_value"] == 100
        assert tracking["predefined_metric_specification"] == {
            "predefined_metric_type": "SageMakerVariantInvocationsPerInstance"}
        assert policy["resource_id"] == f"${{aws_appautoscaling_target.{name}.resource_id}}"


def test_variant_with_equal_bounds_has_fixed_capacity_without_a_scalable_target(serving_synth, synth_stack):
    # GIVEN recsys-ab with the challenger pinned to exactly 1 instance (the first step before changing
    # its instance type or removing it, which SageMaker refuses while it is a scalable target)
    ctx = serving_synth.contexts["recsys-ab"]
    variants = [dict(v) for v in ctx.parameters["serving.variants"]]
    variants[1].update(min_instances=1, max_instances=1)
    config = synth_stack(dataclasses.replace(ctx, parameters={**ctx.parameters, "serving.variants": variants}))
    # THEN only the champion keeps a scalable target and a policy
    assert set(resources(config, "aws_appautoscaling_target")) == {"serving_scaling_champion"}
    assert set(resources(config, "aws_appautoscaling_policy")) == {"serving_scaling_champion"}
    # AND the endpoint configuration is the same as before (bounds are not part of it)
    assert endpoint_config(config) == endpoint_config(config_of(serving_synth, "recsys-ab"))


# --- no model yet, latest-approved not resolved, wrong registry -----------------------------------

def test_workspace_without_a_model_prepares_everything_but_the_endpoint(serving_synth):
    # GIVEN forecasting (full-mlops) with no model source at all
    config = config_of(serving_synth, "forecasting")
    # THEN no model, configuration, endpoint, autoscaling, endpoint alarm or data quality monitoring
    for resource_type in ("aws_sagemaker_model", ENDPOINT_CONFIG, "aws_sagemaker_endpoint",
                          "aws_appautoscaling_target", "aws_sagemaker_data_quality_job_definition",
                          "aws_sagemaker_monitoring_schedule"):
        assert not resources(config, resource_type), resource_type
    assert not [a for a in resources(config, "aws_cloudwatch_metric_alarm") if a.startswith("alarms_")]
    # AND everything else is there: registry, dashboard, MLflow, capture permission for later,
    # the monitoring pipeline with its drift alarm (its schedule stays off until the endpoint exists)
    assert resources(config, "aws_sagemaker_model_package_group")
    assert set(resources(config, "aws_cloudwatch_metric_alarm")) == {"quality_primary_drift_psi"}
    assert resources(config, "aws_cloudwatch_dashboard")
    assert resources(config, "aws_sagemaker_mlflow_tracking_server")
    # AND the synth summary says so and how to go on
    notes = serving_synth.results["forecasting"].notes
    assert any(n.startswith("serving: no model yet for primary") and "serving.model_package" in n for n in notes)


def test_unresolved_latest_approved_prepares_everything_but_the_endpoint_and_says_why(serving_synth):
    # GIVEN recsys-pending: champion latest-approved, synthesized offline
    config = config_of(serving_synth, "recsys-pending")
    assert not resources(config, ENDPOINT_CONFIG)
    assert not resources(config, "aws_sagemaker_model")
    # THEN the note names the variant, the reason and the two ways out
    [note] = [n for n in serving_synth.results["recsys-pending"].notes if n.startswith("serving: no model yet")]
    assert "champion (latest-approved)" in note
    assert "synthesized offline" in note
    assert "acme-recsys-pending-prod-models" in note and "pin a model package ARN" in note


def test_resolved_latest_approved_is_named_in_the_synth_summary(serving_synth):
    # GIVEN recsys-ab, whose latest-approved was resolved before synth
    # WHEN its synth summary is read
    notes = serving_synth.results["recsys-ab"].notes
    # THEN it names the package version the champion now serves
    assert any(f"acme-recsys-ab-prod-models/{RESOLVED_VERSION}" in n and "latest-approved" in n for n in notes)


# --- access ------------------------------------------------------------------------------------

def test_people_may_invoke_the_endpoint_through_the_serving_access_policy(serving_synth):
    # GIVEN recsys-ab's second access policy (people and CI)
    config = config_of(serving_synth, "recsys-ab")
    policy = json.loads(resources(config, "aws_iam_policy")["serving_access_policy"]["policy"])
    # THEN it lets them invoke and describe this endpoint only, not change it
    [invoke] = [s for s in policy["Statement"] if s["Sid"] == "InvokeWorkspaceEndpoint"]
    assert invoke["Resource"] == "arn:aws:sagemaker:eu-west-1:222222222222:endpoint/acme-recsys-ab-prod-endpoint"
    assert set(invoke["Action"]) == {"sagemaker:InvokeEndpoint", "sagemaker:DescribeEndpoint"}


@pytest.mark.parametrize("name", ["recsys-ab", "forecasting", "search-shadow"])
def test_managed_policies_fit_the_iam_size_limit(serving_synth, name):
    # GIVEN IAM's 6,144-character cap on a managed policy (without whitespace)
    for policy_name, policy in resources(config_of(serving_synth, name), "aws_iam_policy").items():
        # WHEN tokens are counted at the length of the ARNs they stand for (about 100 characters)
        document = json.dumps(json.loads(policy["policy"]), separators=(",", ":"))
        length = len(document) + document.count("${") * 60
        # THEN every policy fits
        assert length <= 6144, (policy_name, length)
