"""The monitoring engine and guarded rollouts at validate (exit 2, file + field + reason), never at synth."""

from __future__ import annotations

from pathlib import Path

from test_serving_parameters import assert_rejected, spec, variant, write

NEW = "realtime-endpoint@1.1.0"


def two_instances(name: str) -> dict:
    return variant(name, initial_instance_count=2, min_instances=2, max_instances=3)


def test_fails_when_model_monitor_is_chosen_without_the_org_flag(run, acme):
    assert_rejected(run, acme, "old-monitor", {}, "parameters.monitoring.engine",
                    "AWS no longer offers to new customers", blueprint=NEW, monitoring={"engine": "model-monitor"})


def test_model_monitor_is_accepted_when_the_org_says_it_has_it(run, acme: Path):
    # GIVEN an org config saying its accounts are Model Monitor customers
    config = acme / "provision.yaml"
    config.write_text(config.read_text() + "monitoring: {model_monitor: true}\n")
    write(acme, "old-monitor", spec("old-monitor", {}, blueprint=NEW, monitoring={"engine": "model-monitor"}))
    # WHEN validating
    result = run("validate")
    # THEN it passes
    assert result.code == 0, result.err


def test_specs_on_blueprints_before_the_engine_parameter_stay_valid(run):
    # GIVEN forecasting on full-mlops 1.0.0 in an org without Model Monitor (its engine: the pipeline)
    # WHEN validating THEN it passes
    assert run("validate", "workspaces/forecasting.yaml").code == 0


def test_fails_when_the_quality_metric_does_not_fit_the_problem(run, acme):
    assert_rejected(run, acme, "wrong-metric", {}, "parameters.monitoring.min_quality.metric",
                    "'rmse' is not a quality metric of binary models", blueprint=NEW,
                    monitoring={"problem_type": "binary", "min_quality": {"metric": "rmse", "threshold": 2}})


def test_fails_when_a_quality_threshold_is_out_of_range(run, acme):
    assert_rejected(run, acme, "perfect-f1", {}, "parameters.monitoring.min_quality.threshold",
                    "outside 0..1", blueprint=NEW, monitoring={"min_quality": {"metric": "f1", "threshold": 80}})


def test_fails_when_a_drift_threshold_is_out_of_range(run, acme):
    assert_rejected(run, acme, "no-drift", {}, "parameters.monitoring.max_drift_psi", "below the minimum",
                    blueprint=NEW, monitoring={"max_drift_psi": 0})


def test_fails_when_a_canary_runs_on_an_ab_endpoint_with_a_one_instance_variant(run, acme):
    # GIVEN an A/B endpoint whose challenger runs on one instance: a canary step of one instance is 100% of it
    serving = {"variants": [two_instances("champion"), variant("challenger")],
               "deployment": {"strategy": "canary", "canary_percent": 10}}
    assert_rejected(run, acme, "canary-ab", serving, "parameters.serving.deployment.strategy",
                    "variant 'challenger' may run on 1 instance", blueprint=NEW)


def test_canary_on_an_ab_endpoint_with_two_instances_per_variant_is_valid(run, acme):
    # GIVEN both variants on two instances (SageMaker allows blue/green canaries on multi-variant endpoints)
    serving = {"variants": [two_instances("champion"), two_instances("challenger")],
               "deployment": {"strategy": "canary", "canary_percent": 50}}
    write(acme, "canary-ok", spec("canary-ok", serving, blueprint=NEW))
    # WHEN validating THEN it passes
    assert run("validate").code == 0


def test_fails_when_a_canary_is_above_half_the_fleet(run, acme):
    serving = {"variants": [two_instances("a")], "deployment": {"strategy": "canary", "canary_percent": 60}}
    assert_rejected(run, acme, "big-canary", serving, "parameters.serving.deployment.canary_percent",
                    "above the maximum 50", blueprint=NEW)


def test_fails_when_a_linear_rollout_would_outlast_sagemakers_limit(run, acme):
    # GIVEN 10 steps of 60 minutes: more than SageMaker's 4 hours for one update
    serving = {"variants": [two_instances("a")],
               "deployment": {"strategy": "linear", "step_percent": 10, "wait_minutes": 60}}
    assert_rejected(run, acme, "slow-linear", serving, "parameters.serving.deployment.wait_minutes",
                    "SageMaker stops an update after 240 minutes", blueprint=NEW)


def test_fails_when_rollback_alarms_exceed_sagemakers_limit(run, acme):
    # GIVEN six variants: twelve rollback alarms, SageMaker takes ten
    serving = {"variants": [variant(f"v{i}") for i in range(6)], "deployment": {"rollback_on_alarms": True}}
    assert_rejected(run, acme, "many-variants", serving, "parameters.serving.deployment.rollback_on_alarms",
                    "SageMaker accepts at most 10", blueprint=NEW)


def test_fails_when_the_wait_is_shorter_than_the_rollback_alarms_need_to_fire(run, acme):
    # GIVEN a canary watched for 4 minutes: its alarms need 2 one-minute periods and up to 3 minutes of CloudWatch
    serving = {"variants": [two_instances("a")],
               "deployment": {"strategy": "canary", "wait_minutes": 4, "rollback_on_alarms": True}}
    # THEN validate refuses it, saying how long the alarms need and what to do
    assert_rejected(run, acme, "hasty-canary", serving, "parameters.serving.deployment.wait_minutes",
                    "4 minutes is shorter than the rollback alarms need to fire", blueprint=NEW)
    result = run("validate", "workspaces/hasty-canary.yaml")
    assert "wait at least 5 minutes, or set rollback_on_alarms: false" in result.err


def test_a_short_wait_without_rollback_and_a_wait_the_alarms_can_meet_are_valid(run, acme):
    # GIVEN a 2-minute wait with no rollback alarms, and a 5-minute wait with them
    for name, deployment in (("no-alarms", {"wait_minutes": 2, "rollback_on_alarms": False}),
                             ("just-enough", {"wait_minutes": 5, "rollback_on_alarms": True})):
        write(acme, name, spec(name, {"variants": [two_instances("a")], "deployment": deployment}, blueprint=NEW))
    # WHEN validating THEN both pass
    result = run("validate")
    assert result.code == 0, result.err


def test_ab_test_settings_reach_the_readout(acme):
    # GIVEN recsys-ab, whose spec says which differences matter to its A/B test
    from provisioner.catalog.loader import Catalog
    from provisioner.models.org import load_org
    from provisioner.specs.workspaces import load_named

    org = load_org(str(acme))
    ctx = load_named(org, Catalog.for_org(org), "recsys-ab")
    # THEN the readout gets them (latency in ms, AUC as given; error rates stay at the default)
    assert dict(ctx.ab_test) == {"latency_difference_ms": 10.0, "quality_difference": 0.01}


def test_fails_when_ab_test_is_set_on_a_workspace_without_an_endpoint(run, acme):
    # GIVEN a training-only workspace with an ab_test block
    path = acme / "workspaces" / "churn-model.yaml"
    path.write_text(path.read_text() + "ab_test: {latency_difference_ms: 5}\n")
    # WHEN validating THEN exit 2 names the field and why
    result = run("validate", "workspaces/churn-model.yaml")
    assert result.code == 2
    assert any("churn-model.yaml: ab_test" in line and "serves no endpoint" in line for line in result.error_lines)


def test_fails_when_a_difference_that_matters_is_not_positive(run, acme):
    path = acme / "workspaces" / "recsys-ab.yaml"
    path.write_text(path.read_text().replace("latency_difference_ms: 10", "latency_difference_ms: 0"))
    result = run("validate", "workspaces/recsys-ab.yaml")
    assert result.code == 2
    assert any("ab_test.latency_difference_ms" in line for line in result.error_lines), result.err
