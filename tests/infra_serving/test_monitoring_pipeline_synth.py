"""The pipeline monitoring engine and guarded rollouts as synthesized (see conftest.py for the workspaces)."""

from __future__ import annotations

import dataclasses
import hashlib
import json

import pytest
from serving_helpers import as_list, resources

from provisioner.monitoring import script_text

pytestmark = pytest.mark.synth

KEY = "${aws_kms_key.key.arn}"
TOPIC = "${aws_sns_topic.alerts.arn}"
DATA = "arn:aws:s3:::acme-recsys-ab-prod-data-222222222222"


def pipeline(config: dict) -> tuple[dict, dict]:
    [resource] = resources(config, "aws_sagemaker_pipeline").values()
    return resource, json.loads(resource["pipeline_definition"])


def role_policy(config: dict, role: str) -> dict[str, dict]:
    return {s["Sid"]: s for s in json.loads(resources(config, "aws_iam_role_policy")[role]["policy"])["Statement"]}


def test_one_processing_step_runs_the_shipped_script_encrypted(serving_synth):
    # GIVEN recsys-ab on realtime-endpoint 1.1.0 (engine pipeline, the default)
    config = serving_synth.configs["recsys-ab"]
    resource, definition = pipeline(config)
    # THEN the pipeline has one processing step on the region's scikit-learn image
    [step] = definition["Steps"]
    assert step["Type"] == "Processing"
    args = step["Arguments"]
    assert args["AppSpecification"]["ImageUri"] == \
        "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
    # AND its volume uses the workspace key, traffic between containers is encrypted, it runs in the VPC
    assert args["ProcessingResources"]["ClusterConfig"]["VolumeKmsKeyId"] == KEY
    assert args["NetworkConfig"]["EnableInterContainerTrafficEncryption"] is True
    assert args["NetworkConfig"]["VpcConfig"]["Subnets"] == list(serving_synth.contexts["recsys-ab"].env.subnet_ids)
    # AND the pipeline and its job run under the monitoring role
    role = "arn:aws:iam::222222222222:role/acme-recsys-ab-prod-monitoring"
    assert resource["role_arn"] == role and args["RoleArn"] == role
    # AND the step evaluates every production variant, hourly, against the spec's thresholds
    entry = args["AppSpecification"]["ContainerEntrypoint"]
    assert entry[:3] == ["python3", "/opt/ml/processing/input/code/evaluate.py", "evaluate"]
    options = dict(zip(entry[3::2], entry[4::2]))
    assert options["--variants"] == "champion,challenger"
    assert options["--window-hours"] == "1" and options["--max-drift-psi"] == "0.25"
    assert options["--problem-type"] == "binary" and options["--kms-key"] == KEY
    assert options["--endpoint"] == "acme-recsys-ab-prod-endpoint"


def test_people_may_start_and_follow_runs_of_their_monitoring_pipeline_only(serving_synth):
    # GIVEN recsys-ab's second access policy (people and CI), whose `provision monitoring run` starts a run
    config = serving_synth.configs["recsys-ab"]
    policy = json.loads(resources(config, "aws_iam_policy")["serving_access_policy"]["policy"])
    grants = {s["Sid"]: s for s in policy["Statement"]}
    # THEN it may start and list runs of the workspace's own pipeline, and read those runs, nothing wider
    pipeline_arn = "arn:aws:sagemaker:eu-west-1:222222222222:pipeline/acme-recsys-ab-prod-monitoring"
    assert grants["RunMonitoringPipeline"]["Action"] == [
        "sagemaker:StartPipelineExecution", "sagemaker:ListPipelineExecutions"]
    assert grants["RunMonitoringPipeline"]["Resource"] == pipeline_arn
    assert grants["ReadMonitoringRuns"] == {
        "Sid": "ReadMonitoringRuns", "Effect": "Allow", "Action": "sagemaker:DescribePipelineExecution",
        "Resource": f"{pipeline_arn}/execution/*"}


def test_script_object_is_the_shipped_script_under_its_hash(serving_synth):
    # GIVEN the script object Terraform uploads
    config = serving_synth.configs["recsys-ab"]
    [script] = resources(config, "aws_s3_object").values()
    _, definition = pipeline(config)
    digest = hashlib.sha256(script_text().encode()).hexdigest()
    # THEN its key carries the script's hash, so a new script is a new object and a pipeline change in the plan
    assert script["key"] == f"monitoring/code/{digest[:16]}/evaluate.py"
    assert definition["Steps"][0]["Arguments"]["ProcessingInputs"][0]["S3Input"]["S3Uri"] == \
        f"s3://acme-recsys-ab-prod-data-222222222222/{script['key']}"
    # AND it is the script as shipped (Terraform's template markers escaped), encrypted with the workspace key
    assert script["content"].replace("$${", "${").replace("%%{", "%{") == script_text()
    assert script["kms_key_id"] == KEY and script["server_side_encryption"] == "aws:kms"
    assert script["bucket"] == "${aws_s3_bucket.data.id}"
    # AND the pipeline waits for it
    assert "aws_s3_object.monitoring_pipeline_script" in resources(config, "aws_sagemaker_pipeline")[
        "monitoring_pipeline"]["depends_on"]


def test_scheduler_starts_the_pipeline_hourly_with_its_own_role(serving_synth):
    # GIVEN recsys-ab monitors hourly and has an endpoint
    config = serving_synth.configs["recsys-ab"]
    [schedule] = resources(config, "aws_scheduler_schedule").values()
    # THEN EventBridge Scheduler starts the pipeline every hour at a quarter past (the hour before has ended and its
    # capture files have landed), encrypted with the workspace key
    assert schedule["schedule_expression"] == "cron(15 * ? * * *)" and schedule["state"] == "ENABLED"
    assert schedule["kms_key_arn"] == KEY
    assert schedule["target"]["arn"] == "${aws_sagemaker_pipeline.monitoring_pipeline.arn}"
    # AND its role is trusted by the scheduler only and may start this pipeline and nothing else
    roles = resources(config, "aws_iam_role")
    trust = json.loads(roles["monitoring_scheduler_role"]["assume_role_policy"])["Statement"]
    assert [s["Principal"] for s in trust] == [{"Service": "scheduler.amazonaws.com"}]
    assert trust[0]["Condition"] == {"StringEquals": {"aws:SourceAccount": "222222222222"}}
    grants = role_policy(config, "monitoring_scheduler_role")
    assert grants["StartMonitoringPipeline"]["Resource"] == \
        "arn:aws:sagemaker:eu-west-1:222222222222:pipeline/acme-recsys-ab-prod-monitoring"
    assert {a for s in grants.values() for a in as_list(s["Action"])} == \
        {"sagemaker:StartPipelineExecution", "kms:Decrypt", "kms:DescribeKey"}


def test_monitoring_role_reaches_only_what_the_script_reads_and_writes(serving_synth):
    # GIVEN the monitoring role's inline policy
    config = serving_synth.configs["recsys-ab"]
    grants = role_policy(config, "monitoring_role")
    trust = json.loads(resources(config, "aws_iam_role")["monitoring_role"]["assume_role_policy"])["Statement"]
    # THEN only SageMaker assumes it
    assert [s["Principal"] for s in trust] == [{"Service": "sagemaker.amazonaws.com"}]
    # AND it reads the endpoint's captures, ground truth, the baseline, the code and where the last run stopped,
    # and writes only reports
    assert set(grants["ReadMonitoringInputs"]["Resource"]) == {
        f"{DATA}/data-capture/acme-recsys-ab-prod-endpoint/*", f"{DATA}/ground-truth/*",
        f"{DATA}/monitoring/baseline/*", f"{DATA}/monitoring/code/*", f"{DATA}/monitoring/reports/state.json"}
    assert set(grants["ListMonitoringInputs"]["Condition"]["StringLike"]["s3:prefix"]) == {
        "data-capture/acme-recsys-ab-prod-endpoint/*", "ground-truth/*", "monitoring/baseline/*",
        "monitoring/reports/state.json"}
    assert grants["WriteMonitoringReports"]["Resource"] == f"{DATA}/monitoring/reports/*"
    # AND it publishes metrics only into provision/ModelQuality
    assert grants["PublishModelQualityMetrics"]["Condition"] == \
        {"StringEquals": {"cloudwatch:namespace": "provision/ModelQuality"}}
    # AND it passes only itself, only to SageMaker, and creates only encrypted pipeline jobs
    assert grants["PassMonitoringRole"]["Resource"] == "arn:aws:iam::222222222222:role/acme-recsys-ab-prod-monitoring"
    assert grants["RunMonitoringJobs"]["Resource"] == \
        "arn:aws:sagemaker:eu-west-1:222222222222:processing-job/pipelines-*"
    assert grants["RunMonitoringJobs"]["Condition"]["StringEquals"] == {"sagemaker:VolumeKmsKey": KEY}
    # AND it may tag a job only as it creates it
    assert grants["TagMonitoringJobsOnCreate"]["Condition"] == \
        {"StringEquals": {"sagemaker:TaggingAction": "CreateProcessingJob"}}
    # AND nothing is granted on every resource except the metric namespace and the VPC's describe calls
    wildcard = {sid for sid, s in grants.items() if "*" in as_list(s["Resource"])}
    assert wildcard == {"PublishModelQualityMetrics", "DescribeJobNetwork"}


def test_drift_and_quality_alarms_per_variant_go_to_the_alert_topic(serving_synth):
    # GIVEN recsys-ab with max_drift_psi 0.25 and min_quality AUC 0.7
    found = resources(serving_synth.configs["recsys-ab"], "aws_cloudwatch_metric_alarm")
    for variant in ("champion", "challenger"):
        drift, quality = found[f"quality_{variant}_drift_psi"], found[f"quality_{variant}_quality"]
        # THEN each variant has a drift alarm on the features the run found drifted (PSI above 0.25 and beyond
        # chance), per hourly run
        assert (drift["namespace"], drift["metric_name"], drift["threshold"]) == \
            ("provision/ModelQuality", "DriftedFeatures", 0)
        assert "0.25" in drift["alarm_description"]
        assert drift["dimensions"] == {"Workspace": "recsys-ab", "Variant": variant}
        assert drift["period"] == 3600 and drift["comparison_operator"] == "GreaterThanThreshold"
        # AND an AUC alarm below 0.7
        assert (quality["metric_name"], quality["threshold"], quality["comparison_operator"]) == \
            ("AUC", 0.7, "LessThanThreshold")
        # AND both notify the alert topic, and a run without enough data does not alarm
        for alarm in (drift, quality):
            assert alarm["alarm_actions"] == [TOPIC] and alarm["treat_missing_data"] == "notBreaching"


def test_pipeline_runs_scheduled_by_default_and_previews_when_asked(serving_synth):
    # GIVEN recsys-ab's pipeline definition
    _, definition = pipeline(serving_synth.configs["recsys-ab"])
    app = definition["Steps"][0]["Arguments"]["AppSpecification"]
    # THEN its Mode parameter (default scheduled) reaches the script as --mode, and the script waits for late files
    assert definition["Parameters"] == [{"Name": "Mode", "Type": "String", "DefaultValue": "scheduled"}]
    assert app["ContainerArguments"] == ["--mode", {"Get": "Parameters.Mode"}]
    entry = app["ContainerEntrypoint"]
    assert entry[entry.index("--settle-minutes") + 1] == "10" and entry[entry.index("--window-hours") + 1] == "1"


def test_dashboard_shows_drift_and_quality_per_variant(serving_synth):
    # GIVEN recsys-ab's dashboard
    [board] = resources(serving_synth.configs["recsys-ab"], "aws_cloudwatch_dashboard").values()
    widgets = {w["properties"].get("title"): w for w in json.loads(board["dashboard_body"])["widgets"]}
    # THEN drift and the spec's quality metric have one line per production variant
    for title, metrics in (("Drifted features per variant (PSI: largest)", ("DriftedFeatures", "MaxFeaturePSI")),
                           ("AUC per variant", ("AUC",))):
        lines = widgets[title]["properties"]["metrics"]
        assert [(line[0], line[1], line[3], line[5]) for line in lines] == [
            ("provision/ModelQuality", metric, "recsys-ab", v) for metric in metrics for v in ("champion", "challenger")]


def test_pipeline_is_prepared_before_the_first_model_with_its_schedule_off(serving_synth):
    # GIVEN recsys-pending, whose model is not known yet
    config = serving_synth.configs["recsys-pending"]
    # THEN the pipeline, its roles and alarms exist, and the schedule is off until the endpoint does
    assert resources(config, "aws_sagemaker_pipeline")
    [schedule] = resources(config, "aws_scheduler_schedule").values()
    assert schedule["state"] == "DISABLED"
    assert not resources(config, "aws_sagemaker_endpoint")
    assert any("schedule stays off until the endpoint exists" in n for n in serving_synth.results["recsys-pending"].notes)


def test_blueprint_before_the_engine_parameter_uses_the_pipeline_without_model_monitor(serving_synth):
    # GIVEN forecasting on full-mlops 1.0.0 (no monitoring.engine) in acme, which does not have Model Monitor
    config = serving_synth.configs["forecasting"]
    # THEN it gets the monitoring pipeline, not a Model Monitor schedule
    assert resources(config, "aws_sagemaker_pipeline")
    assert not resources(config, "aws_sagemaker_monitoring_schedule")
    # AND search-shadow on realtime-endpoint 1.0.0, synthesized as in an org that has Model Monitor, keeps it
    assert resources(serving_synth.configs["search-shadow"], "aws_sagemaker_monitoring_schedule")
    assert not resources(serving_synth.configs["search-shadow"], "aws_sagemaker_pipeline")


# --- guarded rollouts ----------------------------------------------------------------------------

def deployment(config: dict) -> dict:
    return resources(config, "aws_sagemaker_endpoint")["serving"]["deployment_config"]


def test_rollout_rolls_back_on_alarms_that_watch_the_new_fleet_alone(serving_synth):
    # GIVEN recsys-ab rolls out all at once, waits 10 minutes, rolls back on alarms
    config = serving_synth.configs["recsys-ab"]
    policy = deployment(config)["blue_green_update_policy"]
    # THEN SageMaker shifts all traffic at once and bakes 10 minutes, keeping the old fleet as long
    assert policy["traffic_routing_configuration"] == {"type": "ALL_AT_ONCE", "wait_interval_in_seconds": 600}
    assert policy["termination_wait_in_seconds"] == 600
    assert 600 <= policy["maximum_execution_timeout_in_seconds"] <= 14400
    # AND every variant's rollback alarms roll it back: 5XX rate and p99 latency (not the endpoint's own alarms)
    names = [a["alarm_name"] for a in deployment(config)["auto_rollback_configuration"]["alarms"]]
    assert sorted(names) == sorted(f"${{aws_cloudwatch_metric_alarm.rollback_{v}_{k}.alarm_name}}"
                                   for v in ("champion", "challenger") for k in ("5xx", "latency"))
    alarms = resources(config, "aws_cloudwatch_metric_alarm")
    for variant in ("champion", "challenger"):
        errors, latency = alarms[f"rollback_{variant}_5xx"], alarms[f"rollback_{variant}_latency"]
        # AND they watch the new fleet only (its endpoint configuration), minute by minute, 2 of 3 breaching
        config_name = "${aws_sagemaker_endpoint_configuration.serving.name}"
        assert latency["dimensions"] == {"EndpointName": "acme-recsys-ab-prod-endpoint", "VariantName": variant,
                                         "EndpointConfigName": config_name}
        assert all(q.get("metric", {}).get("dimensions", latency["dimensions"]) == latency["dimensions"]
                   for q in errors["metric_query"])
        for alarm in (errors, latency):
            assert (alarm["evaluation_periods"], alarm["datapoints_to_alarm"]) == (3, 2)
            assert alarm["treat_missing_data"] == "notBreaching" and "alarm_actions" not in alarm
        assert latency["period"] == 60 and {q["metric"]["period"] for q in errors["metric_query"] if "metric" in q} == {60}
    # AND the execution role may read exactly these alarms (SageMaker's guardrails read them with it)
    read = role_policy(config, "execution_role")["ReadRollbackAlarms"]
    assert read["Action"] == "cloudwatch:DescribeAlarms"
    assert sorted(read["Resource"]) == sorted(
        f"arn:aws:cloudwatch:eu-west-1:222222222222:alarm:acme-recsys-ab-prod-{v}-rollback-{k}"
        for v in ("champion", "challenger") for k in ("5xx", "latency"))


@pytest.mark.parametrize(("strategy", "routing"), [
    ({"strategy": "canary", "canary_percent": 20, "wait_minutes": 15},
     {"type": "CANARY", "wait_interval_in_seconds": 900,
      "canary_size": {"type": "CAPACITY_PERCENT", "value": 20}}),
    ({"strategy": "linear", "step_percent": 25, "wait_minutes": 5},
     {"type": "LINEAR", "wait_interval_in_seconds": 300,
      "linear_step_size": {"type": "CAPACITY_PERCENT", "value": 25}}),
])
def test_canary_and_linear_rollouts_become_blue_green_traffic_routing(serving_synth, synth_stack, strategy, routing):
    # GIVEN recsys-ab with two instances per variant and a canary or linear rollout
    ctx = serving_synth.contexts["recsys-ab"]
    variants = [{**v, "initial_instance_count": 2, "min_instances": 2} for v in ctx.parameters["serving.variants"]]
    rollout = {"canary_percent": 10, "step_percent": 20, "wait_minutes": 10, "rollback_on_alarms": True, **strategy}
    config = synth_stack(dataclasses.replace(ctx, parameters={
        **ctx.parameters, "serving.variants": variants, "serving.deployment": rollout}))
    # THEN the endpoint's deployment config routes traffic that way
    assert deployment(config)["blue_green_update_policy"]["traffic_routing_configuration"] == routing
