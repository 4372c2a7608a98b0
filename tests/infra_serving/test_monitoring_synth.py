"""The monitoring and experiments capabilities as synthesized (see conftest.py for the workspaces)."""

from __future__ import annotations

import json

import pytest
from serving_helpers import as_list, resources

pytestmark = pytest.mark.synth

TOPIC = "${aws_sns_topic.alerts.arn}"


def alarms(serving_synth, name: str) -> dict[str, dict]:
    return resources(serving_synth.configs[name], "aws_cloudwatch_metric_alarm")


# --- alarms ------------------------------------------------------------------------------------

def test_every_production_variant_has_error_latency_and_traffic_alarms(serving_synth):
    # GIVEN recsys-ab with two production variants
    found = {k: v for k, v in alarms(serving_synth, "recsys-ab").items() if k.startswith("alarms_")}
    # THEN three endpoint alarms per variant
    assert set(found) == {f"alarms_{v}_{kind}" for v in ("champion", "challenger")
                          for kind in ("5xx_rate", "latency_p99", "no_invocations")}
    # AND every alarm notifies the alert topic when it fires and when it recovers
    for alarm in found.values():
        assert alarm["alarm_actions"] == [TOPIC]
        assert alarm["ok_actions"] == [TOPIC]


def test_5xx_alarm_is_the_share_of_errors_per_variant(serving_synth):
    # GIVEN the default error_rate_percent of 1
    alarm = alarms(serving_synth, "recsys-ab")["alarms_challenger_5xx_rate"]
    queries = {q["id"]: q for q in alarm["metric_query"]}
    # THEN the alarm divides 5XX errors by invocations of that variant, in percent
    assert queries["rate"]["expression"] == "100 * errors / invocations"
    assert queries["rate"]["return_data"] is True
    for metric_id, metric_name in (("errors", "Invocation5XXErrors"), ("invocations", "Invocations")):
        metric = queries[metric_id]["metric"]
        assert metric["metric_name"] == metric_name and metric["stat"] == "Sum"
        assert metric["dimensions"] == {"EndpointName": "acme-recsys-ab-prod-endpoint", "VariantName": "challenger"}
    assert alarm["threshold"] == 1 and alarm["comparison_operator"] == "GreaterThanThreshold"
    assert alarm["alarm_name"] == "acme-recsys-ab-prod-challenger-5xx-rate"
    assert alarm["treat_missing_data"] == "notBreaching"


def test_latency_alarm_is_p99_model_latency_in_microseconds(serving_synth):
    # GIVEN recsys-ab sets latency_p99_ms: 250
    alarm = alarms(serving_synth, "recsys-ab")["alarms_champion_latency_p99"]
    # THEN the alarm is on ModelLatency p99 above 250,000 microseconds
    assert (alarm["namespace"], alarm["metric_name"], alarm["extended_statistic"]) == \
        ("AWS/SageMaker", "ModelLatency", "p99")
    assert alarm["threshold"] == 250_000


def test_no_invocations_alarm_breaches_without_data(serving_synth):
    # GIVEN SageMaker publishes no Invocations datapoint when there is no traffic
    alarm = alarms(serving_synth, "recsys-ab")["alarms_champion_no_invocations"]
    # THEN fewer than one invocation in 6 x 5 minutes, with missing data breaching
    assert (alarm["metric_name"], alarm["statistic"], alarm["period"], alarm["evaluation_periods"]) == \
        ("Invocations", "Sum", 300, 6)
    assert alarm["comparison_operator"] == "LessThanThreshold" and alarm["threshold"] == 1
    assert alarm["treat_missing_data"] == "breaching"


def test_variant_with_weight_zero_gets_no_traffic_alarm(serving_synth, synth_stack):
    # GIVEN recsys-ab with the challenger drained to weight 0
    import dataclasses

    ctx = serving_synth.contexts["recsys-ab"]
    variants = [dict(v) for v in ctx.parameters["serving.variants"]]
    variants[1]["weight"] = 0
    config = synth_stack(dataclasses.replace(ctx, parameters={**ctx.parameters, "serving.variants": variants}))
    found = set(resources(config, "aws_cloudwatch_metric_alarm"))
    # THEN it keeps its error and latency alarms but has no no-invocations alarm
    assert "alarms_challenger_no_invocations" not in found
    assert {"alarms_challenger_5xx_rate", "alarms_challenger_latency_p99", "alarms_champion_no_invocations"} <= found


def test_alert_topic_lets_cloudwatch_alarms_publish(serving_synth):
    # GIVEN the alarms' only action is the alert topic
    config = serving_synth.configs["recsys-ab"]
    policy = json.loads(resources(config, "aws_sns_topic_policy")["alerts"]["policy"])
    principals = [s.get("Principal", {}).get("Service") for s in policy["Statement"] if s["Effect"] == "Allow"]
    # THEN the topic's policy lets CloudWatch publish to it
    assert "cloudwatch.amazonaws.com" in principals


def test_failed_training_jobs_reach_the_alert_topic(serving_synth):
    # GIVEN forecasting (full-mlops) trains
    config = serving_synth.configs["forecasting"]
    rules = resources(config, "aws_cloudwatch_event_rule")
    pattern = json.loads(rules["training_failed"]["event_pattern"])
    # THEN failed training jobs of the workspace are routed to the alert topic
    assert pattern["detail"]["TrainingJobStatus"] == ["Failed"]
    assert resources(config, "aws_cloudwatch_event_target")["training_failed"]["arn"] == TOPIC


# --- data quality monitoring (model-monitor engine, for organizations that have Model Monitor) ----

def test_monitoring_schedule_is_encrypted_and_isolated(serving_synth):
    # GIVEN recsys-mm (recsys-ab on the model-monitor engine) captures data and monitors hourly
    config = serving_synth.configs["recsys-mm"]
    [definition] = resources(config, "aws_sagemaker_data_quality_job_definition").values()
    [schedule] = resources(config, "aws_sagemaker_monitoring_schedule").values()
    # THEN the job's volume and output use the workspace key
    assert definition["job_resources"]["cluster_config"]["volume_kms_key_id"] == "${aws_kms_key.key.arn}"
    assert definition["data_quality_job_output_config"]["kms_key_id"] == "${aws_kms_key.key.arn}"
    # AND traffic between containers is encrypted, the job is network isolated, in the environment's VPC
    network = definition["network_config"]
    assert network["enable_inter_container_traffic_encryption"] is True
    assert network["enable_network_isolation"] is True
    assert network["vpc_config"]["subnets"] == list(serving_synth.contexts["recsys-mm"].env.subnet_ids)
    # AND it reads the endpoint's captured data, compares with the baseline, writes reports to the data bucket
    assert definition["data_quality_job_input"]["endpoint_input"]["endpoint_name"] == \
        "${aws_sagemaker_endpoint.serving.name}"
    bucket = "s3://acme-recsys-mm-prod-data-222222222222"
    baseline = definition["data_quality_baseline_config"]
    assert baseline["statistics_resource"]["s3_uri"] == f"{bucket}/monitoring/baseline/statistics.json"
    assert baseline["constraints_resource"]["s3_uri"] == f"{bucket}/monitoring/baseline/constraints.json"
    assert definition["data_quality_job_output_config"]["monitoring_outputs"]["s3_output"]["s3_uri"] == \
        f"{bucket}/monitoring/reports"
    assert definition["data_quality_app_specification"]["image_uri"] == \
        "468650794304.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-model-monitor-analyzer"
    # AND the schedule runs the definition hourly, within the hour
    config_block = schedule["monitoring_schedule_config"]
    assert config_block["monitoring_type"] == "DataQuality"
    assert config_block["schedule_config"]["schedule_expression"] == "cron(0 * ? * * *)"
    assert config_block["monitoring_job_definition_name"] == \
        "${aws_sagemaker_data_quality_job_definition.monitoring_data_quality.name}"
    assert definition["stopping_condition"]["max_runtime_in_seconds"] <= 3600
    assert definition["lifecycle"] == {"create_before_destroy": True}


def test_daily_schedule_and_baseline_prefix_follow_the_parameters(serving_synth):
    # GIVEN search-shadow with the defaults: daily, baseline under monitoring/baseline
    config = serving_synth.configs["search-shadow"]
    [schedule] = resources(config, "aws_sagemaker_monitoring_schedule").values()
    # THEN the job runs at midnight every day
    assert schedule["monitoring_schedule_config"]["schedule_config"]["schedule_expression"] == "cron(0 0 ? * * *)"
    [definition] = resources(config, "aws_sagemaker_data_quality_job_definition").values()
    # THEN without subnets in dev the job has no VPC, but stays isolated
    assert "vpc_config" not in definition["network_config"]
    assert definition["network_config"]["enable_network_isolation"] is True


def test_monitoring_job_may_write_reports_only_under_its_prefix(serving_synth):
    # GIVEN the Model Monitor job runs under the execution role
    config = serving_synth.configs["recsys-mm"]
    role_policy = json.loads(resources(config, "aws_iam_role_policy")["execution_role"]["policy"])
    [write] = [s for s in role_policy["Statement"] if s["Sid"] == "WriteMonitoringReports"]
    # THEN the role may write reports under monitoring/reports/ and nowhere else for that purpose
    assert write["Resource"] == "arn:aws:s3:::acme-recsys-mm-prod-data-222222222222/monitoring/reports/*"


def test_model_monitor_engine_builds_no_pipeline(serving_synth):
    # GIVEN recsys-mm on the model-monitor engine
    config = serving_synth.configs["recsys-mm"]
    # THEN it has no monitoring pipeline, schedule or pipeline role
    for kind in ("aws_sagemaker_pipeline", "aws_scheduler_schedule", "aws_s3_object"):
        assert not resources(config, kind), kind
    assert "monitoring_role" not in resources(config, "aws_iam_role")


# --- dashboard ---------------------------------------------------------------------------------

def dashboard(serving_synth, name: str) -> dict:
    [board] = resources(serving_synth.configs[name], "aws_cloudwatch_dashboard").values()
    return board


def titles(board: dict) -> list[str]:
    return [w["properties"].get("title", "") for w in json.loads(board["dashboard_body"])["widgets"]]


def test_dashboard_shows_training_for_a_training_workspace(serving_synth):
    # GIVEN forecasting trains and has no endpoint yet
    board = dashboard(serving_synth, "forecasting")
    assert board["dashboard_name"] == "acme-forecasting-dev-dashboard"
    body = board["dashboard_body"]
    # THEN its dashboard shows GPU use and failed jobs
    assert {"GPU utilization (%)", "Failed training jobs"} <= set(titles(board))
    # The GPU widget searches the training job metrics of this workspace's jobs only
    assert "acme-forecasting-dev-train" in body and "/aws/sagemaker/TrainingJobs" in body
    # No endpoint yet: no serving widgets
    assert "Invocations per variant" not in titles(board)


def test_dashboard_shows_invocations_latency_and_errors_per_variant(serving_synth):
    # GIVEN recsys-ab serves two variants
    board = dashboard(serving_synth, "recsys-ab")
    widgets = {w["properties"].get("title"): w for w in json.loads(board["dashboard_body"])["widgets"]}
    # THEN every serving widget has one line per variant of this endpoint
    for title in ("Invocations per variant", "ModelLatency p99 (microseconds)", "4XX errors per variant",
                  "5XX errors per variant"):
        lines = widgets[title]["properties"]["metrics"]
        # one line per variant, on this endpoint
        assert [line[5] for line in lines] == ["champion", "challenger"], title
        assert all(line[3] == "acme-recsys-ab-prod-endpoint" for line in lines)
    # The alarm widget lists all fourteen alarms by ARN (per variant: three endpoint alarms, two rollback alarms on
    # the new fleet, drift and AUC)
    alarm_arns = as_list(widgets["Alarms"]["properties"]["alarms"])
    assert len(alarm_arns) == 14
    assert all(a.startswith("arn:aws:cloudwatch:eu-west-1:222222222222:alarm:acme-recsys-ab-prod-") for a in alarm_arns)
    assert "Failed training jobs" not in widgets  # realtime-endpoint does not train


# --- experiments -------------------------------------------------------------------------------

def test_mlflow_tracking_server_stores_artifacts_in_the_artifacts_bucket(serving_synth):
    # GIVEN forecasting (full-mlops) with mlflow_size Small
    config = serving_synth.configs["forecasting"]
    [server] = resources(config, "aws_sagemaker_mlflow_tracking_server").values()
    # THEN the server keeps artifacts under mlflow/ of the artifacts bucket, under its own role
    assert server["tracking_server_name"] == "acme-forecasting-dev-mlflow"
    assert server["tracking_server_size"] == "Small"
    assert server["artifact_store_uri"] == "s3://acme-forecasting-dev-artifacts-111111111111/mlflow"
    assert server["automatic_model_registration"] is False
    assert server["role_arn"] == "arn:aws:iam::111111111111:role/acme-forecasting-dev-mlflow"


def test_mlflow_server_role_reaches_only_its_artifact_prefix(serving_synth):
    # GIVEN the MLflow server's own role
    config = serving_synth.configs["forecasting"]
    role = resources(config, "aws_iam_role")["mlflow_role"]
    # THEN only SageMaker assumes it and it reaches only mlflow/ of the artifacts bucket
    trust = json.loads(role["assume_role_policy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "sagemaker.amazonaws.com"}
    policy = json.loads(resources(config, "aws_iam_role_policy")["mlflow_role"]["policy"])
    s3 = [s for s in policy["Statement"] if any(a.startswith("s3:") for a in as_list(s["Action"]))]
    resources_touched = {r for s in s3 for r in as_list(s["Resource"])}
    bucket = "arn:aws:s3:::acme-forecasting-dev-artifacts-111111111111"
    assert resources_touched == {bucket, f"{bucket}/mlflow/*"}
    [listing] = [s for s in s3 if s["Action"] == "s3:ListBucket"]
    assert listing["Resource"] == bucket
    assert listing["Condition"] == {"StringLike": {"s3:prefix": ["mlflow", "mlflow/*"]}}
    # AND it can find the bucket's region (a request that carries no s3:prefix, so not under that condition)
    [locate] = [s for s in s3 if s["Action"] == "s3:GetBucketLocation"]
    assert locate["Resource"] == bucket and "Condition" not in locate


def test_only_the_workspace_identities_may_use_the_mlflow_server(serving_synth):
    # GIVEN the execution role and the people's second access policy
    config = serving_synth.configs["forecasting"]
    server = "${aws_sagemaker_mlflow_tracking_server.mlflow.arn}"
    grants = {}
    for label, document in (
        ("execution role", resources(config, "aws_iam_role_policy")["execution_role"]["policy"]),
        ("people and CI", resources(config, "aws_iam_policy")["serving_access_policy"]["policy"]),
    ):
        statements = json.loads(document)["Statement"]
        grants[label] = [s for s in statements if "Mlflow" in s["Sid"]]
    # THEN each has the API and presigned URLs on this server only, and the UI (which has no resource type) on "*"
    for label, found in grants.items():
        grant, ui = found
        assert grant["Sid"] == "UseMlflowTrackingServer" and grant["Resource"] == server, label
        assert "sagemaker-mlflow:*" in grant["Action"] and "sagemaker:CreatePresignedMlflowTrackingServerUrl" in \
            grant["Action"]
        assert ui == {"Sid": "OpenMlflowUi", "Effect": "Allow", "Action": "sagemaker-mlflow:AccessUI", "Resource": "*"}
    # The workspace access policy and the MLflow role get no such grant
    main = json.loads(resources(config, "aws_iam_policy")["access_policy"]["policy"])["Statement"]
    assert not [s for s in main if "Mlflow" in s["Sid"]]
