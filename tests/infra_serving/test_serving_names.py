"""Serving, monitoring and experiments names: pinned, because a changed name replaces a cloud resource."""

from __future__ import annotations

from infra.serving_names import CONFIG_PREFIX_MAX, ServingNames

NAMES = ServingNames("acme", "recsys-ab", "prod", "222222222222", "eu-west-1")


def test_fixed_names_are_pinned():
    # GIVEN recsys-ab in prod THEN its fixed names are exactly these (a change replaces resources)
    assert NAMES.all_names() == {
        "endpoint": "acme-recsys-ab-prod-endpoint",
        "endpoint_config_prefix": "acme-recsys-ab-prod-config-",
        "serving_access_policy": "acme-recsys-ab-prod-serving-access",
        "dashboard": "acme-recsys-ab-prod-dashboard",
        "data_quality_schedule": "acme-recsys-ab-prod-data-quality",
        "mlflow_server": "acme-recsys-ab-prod-mlflow",
        "mlflow_role": "acme-recsys-ab-prod-mlflow",
        "mlflow_role_policy": "acme-recsys-ab-prod-mlflow",
        "monitoring_pipeline": "acme-recsys-ab-prod-monitoring",
        "monitoring_role": "acme-recsys-ab-prod-monitoring",
        "monitoring_role_policy": "acme-recsys-ab-prod-monitoring",
        "monitoring_scheduler_role": "acme-recsys-ab-prod-monitoring-scheduler",
        "monitoring_scheduler_policy": "acme-recsys-ab-prod-monitoring-scheduler",
        "monitoring_schedule": "acme-recsys-ab-prod-monitoring",
    }
    assert NAMES.monitoring_pipeline_arn == "arn:aws:sagemaker:eu-west-1:222222222222:pipeline/acme-recsys-ab-prod-monitoring"
    assert NAMES.endpoint_arn == "arn:aws:sagemaker:eu-west-1:222222222222:endpoint/acme-recsys-ab-prod-endpoint"


def test_per_variant_names_are_pinned():
    # GIVEN the champion variant THEN its model, scaling policy, alarm and job definition names are these
    assert NAMES.model("champion", "70d9cfef") == "acme-recsys-ab-prod-champion-70d9cfef"
    assert NAMES.scaling_policy("champion") == "acme-recsys-ab-prod-champion-scaling"
    assert NAMES.alarm("champion", "5xx-rate") == "acme-recsys-ab-prod-champion-5xx-rate"
    assert NAMES.data_quality_definition("e025d56b") == "acme-recsys-ab-prod-data-quality-e025d56b"


def test_long_names_stay_within_sagemaker_limits_and_apart():
    # GIVEN the longest org (12) and workspace (32) names and a 63-character variant name
    names = ServingNames("abcdefghijkl", "w" * 32, "production", "222222222222", "eu-west-1")
    variant_a, variant_b = "v" * 62 + "a", "v" * 62 + "b"
    # THEN every SageMaker name fits 63 characters, the config prefix leaves room for the provider's suffix
    assert len(names.endpoint) <= 63
    assert len(names.endpoint_config_prefix) <= CONFIG_PREFIX_MAX
    assert len(names.model(variant_a, "12345678")) <= 63
    # AND two long variant names still give two different model names
    assert names.model(variant_a, "12345678") != names.model(variant_b, "12345678")
