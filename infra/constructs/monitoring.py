"""Monitoring constructs: endpoint variant alarms, model quality alarms, a dashboard, Model Monitor data quality."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from cdktn import TerraformResourceLifecycle
from cdktn_provider_aws.cloudwatch_dashboard import CloudwatchDashboard
from cdktn_provider_aws.cloudwatch_metric_alarm import (
    CloudwatchMetricAlarm,
    CloudwatchMetricAlarmMetricQuery,
    CloudwatchMetricAlarmMetricQueryMetric,
)
from cdktn_provider_aws.sagemaker_data_quality_job_definition import (
    SagemakerDataQualityJobDefinition,
    SagemakerDataQualityJobDefinitionDataQualityAppSpecification,
    SagemakerDataQualityJobDefinitionDataQualityBaselineConfig,
    SagemakerDataQualityJobDefinitionDataQualityBaselineConfigConstraintsResource,
    SagemakerDataQualityJobDefinitionDataQualityBaselineConfigStatisticsResource,
    SagemakerDataQualityJobDefinitionDataQualityJobInput,
    SagemakerDataQualityJobDefinitionDataQualityJobInputEndpointInput,
    SagemakerDataQualityJobDefinitionDataQualityJobOutputConfig,
    SagemakerDataQualityJobDefinitionDataQualityJobOutputConfigMonitoringOutputs,
    SagemakerDataQualityJobDefinitionDataQualityJobOutputConfigMonitoringOutputsS3Output,
    SagemakerDataQualityJobDefinitionJobResources,
    SagemakerDataQualityJobDefinitionJobResourcesClusterConfig,
    SagemakerDataQualityJobDefinitionNetworkConfig,
    SagemakerDataQualityJobDefinitionNetworkConfigVpcConfig,
    SagemakerDataQualityJobDefinitionStoppingCondition,
)
from cdktn_provider_aws.sagemaker_monitoring_schedule import (
    SagemakerMonitoringSchedule,
    SagemakerMonitoringScheduleMonitoringScheduleConfig,
    SagemakerMonitoringScheduleMonitoringScheduleConfigScheduleConfig,
)

from infra.constructs._base import L2
from infra.constructs.alert_topic import AlertTopic
from infra.constructs.customer_key import CustomerKey
from infra.constructs.execution_role import ExecutionRole
from infra.stack_build import add_resource, ref

NAMESPACE = "AWS/SageMaker"


def _tf_id(text: str) -> str:
    return text.replace(".", "_")


class VariantAlarms(L2):
    """CloudWatch alarms on one production variant of an endpoint, sent to the alert topic.

    - `5xx`: the share of invocations answered with a 5XX error, in percent,
      above `error_rate_percent` in 2 of 3 five-minute periods (no traffic is
      not an error: missing data does not breach);
    - `latency`: `ModelLatency` p99 above `latency_p99_ms` in 2 of 3
      five-minute periods (SageMaker reports ModelLatency in microseconds);
    - `no_invocations` (only when `expect_traffic`): fewer than one invocation
      in 30 minutes. SageMaker publishes no datapoint without traffic, so
      missing data *breaches*: a new endpoint alarms until it gets traffic.

    Every alarm notifies the topic when it fires and when it recovers.

    Props:
      endpoint_name: the endpoint (a literal name or the endpoint's `name` token).
      variant: the production variant's name.
      topic: the AlertTopic (its policy lets cloudwatch.amazonaws.com publish).
      alarm_name: kind (`5xx-rate`, `latency-p99`, `no-invocations`) -> physical name.
      error_rate_percent, latency_p99_ms: the thresholds.
      expect_traffic: whether the variant should always see traffic (weight > 0); default True.
    """

    def __init__(self, scope: Any, id: str, *, endpoint_name: str, variant: str, topic: AlertTopic,
                 alarm_name: Callable[[str], str], error_rate_percent: float, latency_p99_ms: float,
                 expect_traffic: bool = True) -> None:
        super().__init__(scope, id)
        dimensions = {"EndpointName": endpoint_name, "VariantName": variant}
        actions = [topic.arn]
        self.alarms: dict[str, CloudwatchMetricAlarm] = {}
        self.names: dict[str, str] = {}  # kind -> physical name

        def metric(name: str, stat: str) -> CloudwatchMetricAlarmMetricQueryMetric:
            return CloudwatchMetricAlarmMetricQueryMetric(
                namespace=NAMESPACE, metric_name=name, dimensions=dimensions, period=300, stat=stat)

        self.alarms["5xx"] = add_resource(
            self.stack, CloudwatchMetricAlarm, f"{id}_5xx_rate",
            alarm_name=alarm_name("5xx-rate"),
            alarm_description=f"Share of 5XX responses of variant {variant} above {error_rate_percent:g}%",
            comparison_operator="GreaterThanThreshold",
            threshold=error_rate_percent,
            evaluation_periods=3,
            datapoints_to_alarm=2,
            treat_missing_data="notBreaching",
            metric_query=[
                CloudwatchMetricAlarmMetricQuery(id="errors", metric=metric("Invocation5XXErrors", "Sum"),
                                                 return_data=False),
                CloudwatchMetricAlarmMetricQuery(id="invocations", metric=metric("Invocations", "Sum"),
                                                 return_data=False),
                CloudwatchMetricAlarmMetricQuery(id="rate", expression="100 * errors / invocations",
                                                 label="5XX rate (%)", return_data=True),
            ],
            alarm_actions=actions, ok_actions=actions,
        )
        self.names["5xx"] = alarm_name("5xx-rate")
        self.alarms["latency"] = add_resource(
            self.stack, CloudwatchMetricAlarm, f"{id}_latency_p99",
            alarm_name=alarm_name("latency-p99"),
            alarm_description=f"ModelLatency p99 of variant {variant} above {latency_p99_ms:g} ms",
            namespace=NAMESPACE, metric_name="ModelLatency", dimensions=dimensions,
            extended_statistic="p99", period=300,
            comparison_operator="GreaterThanThreshold",
            threshold=latency_p99_ms * 1000,  # microseconds
            evaluation_periods=3,
            datapoints_to_alarm=2,
            treat_missing_data="notBreaching",
            alarm_actions=actions, ok_actions=actions,
        )
        self.names["latency"] = alarm_name("latency-p99")
        if expect_traffic:
            self.alarms["no_invocations"] = add_resource(
                self.stack, CloudwatchMetricAlarm, f"{id}_no_invocations",
                alarm_name=alarm_name("no-invocations"),
                alarm_description=f"Variant {variant} received no invocations for 30 minutes",
                namespace=NAMESPACE, metric_name="Invocations", dimensions=dimensions,
                statistic="Sum", period=300,
                comparison_operator="LessThanThreshold",
                threshold=1,
                evaluation_periods=6,
                treat_missing_data="breaching",
                alarm_actions=actions, ok_actions=actions,
            )
            self.names["no_invocations"] = alarm_name("no-invocations")


class RollbackAlarms(L2):
    """Alarms on the new fleet of a guarded rollout, for one production variant: what rolls a bad update back.

    During a blue/green update both fleets serve under the same variant name,
    so alarms on EndpointName + VariantName average the new fleet with the old
    one: a canary on 10 % of the traffic would need over 10 % errors to trip a
    1 % alarm. SageMaker also publishes the new fleet's metrics with the
    dimension EndpointConfigName (its endpoint configuration; SageMaker
    developer guide, "Auto-Rollback Configuration and Monitoring"), so these
    alarms watch that fleet alone, at any canary size:

    - `5xx`: the new fleet's 5XX share above `error_rate_percent`;
    - `latency`: the new fleet's ModelLatency p99 above `latency_p99_ms`;

    each in `datapoints[0]` of the last `datapoints[1]` periods of
    `period_seconds` (provisioner/models/serving_deployment.py: validate
    refuses a rollout wait shorter than they need to fire). No data (before the
    new fleet takes traffic) is not a breach. They notify nobody: SageMaker
    reads them during an update (the execution role may DescribeAlarms them);
    the endpoint's own alarms (VariantAlarms) page people.

    Props:
      endpoint_name: the endpoint; config_name: the new endpoint configuration's name (a token).
      variant: the production variant.
      alarm_name: kind (`rollback-5xx`, `rollback-latency`) -> physical name.
      error_rate_percent, latency_p99_ms: the thresholds (the endpoint alarms').
      period_seconds, datapoints: the evaluation.
    """

    def __init__(self, scope: Any, id: str, *, endpoint_name: str, config_name: str, variant: str,
                 alarm_name: Callable[[str], str], error_rate_percent: float, latency_p99_ms: float,
                 period_seconds: int, datapoints: tuple[int, int]) -> None:
        super().__init__(scope, id)
        dimensions = {"EndpointName": endpoint_name, "VariantName": variant, "EndpointConfigName": config_name}
        self.alarms: dict[str, CloudwatchMetricAlarm] = {}
        self.names: dict[str, str] = {"5xx": alarm_name("rollback-5xx"), "latency": alarm_name("rollback-latency")}
        to_alarm, evaluated = datapoints

        def metric(name: str, stat: str) -> CloudwatchMetricAlarmMetricQueryMetric:
            return CloudwatchMetricAlarmMetricQueryMetric(
                namespace=NAMESPACE, metric_name=name, dimensions=dimensions, period=period_seconds, stat=stat)

        self.alarms["5xx"] = add_resource(
            self.stack, CloudwatchMetricAlarm, f"{id}_5xx",
            alarm_name=self.names["5xx"],
            alarm_description=f"Rollback: share of 5XX responses of the new fleet of variant {variant} above "
                              f"{error_rate_percent:g}%",
            comparison_operator="GreaterThanThreshold", threshold=error_rate_percent,
            evaluation_periods=evaluated, datapoints_to_alarm=to_alarm, treat_missing_data="notBreaching",
            metric_query=[
                CloudwatchMetricAlarmMetricQuery(id="errors", metric=metric("Invocation5XXErrors", "Sum"),
                                                 return_data=False),
                CloudwatchMetricAlarmMetricQuery(id="invocations", metric=metric("Invocations", "Sum"),
                                                 return_data=False),
                CloudwatchMetricAlarmMetricQuery(id="rate", expression="100 * errors / invocations",
                                                 label="new fleet 5XX rate (%)", return_data=True),
            ],
        )
        self.alarms["latency"] = add_resource(
            self.stack, CloudwatchMetricAlarm, f"{id}_latency",
            alarm_name=self.names["latency"],
            alarm_description=f"Rollback: ModelLatency p99 of the new fleet of variant {variant} above "
                              f"{latency_p99_ms:g} ms",
            namespace=NAMESPACE, metric_name="ModelLatency", dimensions=dimensions, extended_statistic="p99",
            period=period_seconds, comparison_operator="GreaterThanThreshold",
            threshold=latency_p99_ms * 1000,  # microseconds
            evaluation_periods=evaluated, datapoints_to_alarm=to_alarm, treat_missing_data="notBreaching",
        )


class ModelQualityAlarms(L2):
    """Alarms on what the monitoring pipeline measures for one production variant, sent to the alert topic.

    The evaluation script publishes into namespace `provision/ModelQuality`
    with dimensions Workspace and Variant, once per run (`period_seconds`):

    - `drift`: `DriftedFeatures` above 0: a feature moved by more than
      `max_drift_psi` (PSI) and by more than chance gives at the run's number
      of records, or its missing share did, or it got values of the wrong type
      (the script's test holds its false alarms to 1 % of runs);
    - `quality` (only with `quality_metric`): the metric below
      `quality_threshold`, or above it for error metrics (`quality_direction`
      "above": MAE, RMSE).

    A run without enough data publishes no value: missing data does not breach.

    Props:
      workspace, variant: the metrics' dimensions.
      topic: the AlertTopic.
      alarm_name: kind (`drift-psi`, `quality`) -> physical name.
      period_seconds: the schedule's interval (3600 or 86400).
      max_drift_psi: the PSI a drifted feature moved by (the script decides; named in the description).
      quality_metric: CloudWatch metric name (`F1`, `MAE`, ...); default None (no quality alarm).
      quality_threshold, quality_direction: the threshold and `below` or `above`.
    """

    def __init__(self, scope: Any, id: str, *, namespace: str, workspace: str, variant: str, topic: AlertTopic,
                 alarm_name: Callable[[str], str], period_seconds: int, max_drift_psi: float,
                 quality_metric: str | None = None, quality_threshold: float | None = None,
                 quality_direction: str = "below") -> None:
        super().__init__(scope, id)
        dimensions = {"Workspace": workspace, "Variant": variant}
        actions = [topic.arn]
        self.alarms: dict[str, CloudwatchMetricAlarm] = {}
        self.names: dict[str, str] = {}
        self.names["drift"] = alarm_name("drift-psi")
        self.alarms["drift"] = add_resource(
            self.stack, CloudwatchMetricAlarm, f"{id}_drift_psi",
            alarm_name=self.names["drift"],
            alarm_description=(f"Input features of variant {variant} drifted: moved by a PSI above "
                               f"{max_drift_psi:g} and beyond chance"),
            namespace=namespace, metric_name="DriftedFeatures", dimensions=dimensions,
            statistic="Maximum", period=period_seconds, evaluation_periods=1,
            comparison_operator="GreaterThanThreshold", threshold=0,
            treat_missing_data="notBreaching", alarm_actions=actions, ok_actions=actions,
        )
        if quality_metric is not None and quality_threshold is not None:
            below = quality_direction == "below"
            self.names["quality"] = alarm_name(f"{quality_metric.lower()}-quality")
            self.alarms["quality"] = add_resource(
                self.stack, CloudwatchMetricAlarm, f"{id}_quality",
                alarm_name=self.names["quality"],
                alarm_description=(f"{quality_metric} of variant {variant} {'below' if below else 'above'} "
                                   f"{quality_threshold:g}"),
                namespace=namespace, metric_name=quality_metric, dimensions=dimensions,
                statistic="Average", period=period_seconds, evaluation_periods=1,
                comparison_operator="LessThanThreshold" if below else "GreaterThanThreshold",
                threshold=quality_threshold,
                treat_missing_data="notBreaching", alarm_actions=actions, ok_actions=actions,
            )


class Dashboard(L2):
    """A CloudWatch dashboard laid out from rows of widgets.

    Props:
      name: the dashboard's physical name.
      rows: each row a list of widget dicts (`type` and `properties`, as in
        the CloudWatch dashboard body); a row's widgets share its 24 columns.
      row_height: height of a row; default 6.
    """

    def __init__(self, scope: Any, id: str, *, name: str, rows: Sequence[Sequence[Mapping[str, Any]]],
                 row_height: int = 6) -> None:
        super().__init__(scope, id)
        self.name = name
        widgets = []
        for y, row in enumerate(r for r in rows if r):
            width = max(1, 24 // len(row))
            for x, widget in enumerate(row):
                widgets.append({**widget, "x": x * width, "y": y * row_height, "width": width, "height": row_height})
        self.body = {"widgets": widgets}
        self.resource = add_resource(self.stack, CloudwatchDashboard, id, dashboard_name=name,
                                     dashboard_body=json.dumps(self.body, sort_keys=True))


def metric_widget(title: str, region: str, metrics: list[list[Any]], *, stat: str = "Sum", period: int = 300,
                  view: str = "timeSeries", y_label: str | None = None) -> dict[str, Any]:
    properties: dict[str, Any] = {"title": title, "region": region, "metrics": metrics, "stat": stat,
                                  "period": period, "view": view, "stacked": False}
    if y_label:
        properties["yAxis"] = {"left": {"label": y_label, "showUnits": False}}
    return {"type": "metric", "properties": properties}


def text_widget(markdown: str) -> dict[str, Any]:
    return {"type": "text", "properties": {"markdown": markdown}}


class DataQualityMonitor(L2):
    """Scheduled SageMaker Model Monitor data quality checks of an endpoint's captured data.

    Always: the job's volume and its output are encrypted with the workspace
    key, traffic between its containers is encrypted, it runs with network
    isolation (and in the environment's VPC when `subnets` is given) under the
    workspace execution role. Violations land as a report under `output_uri`
    and as CloudWatch metrics (`publish_cloudwatch_metrics`).

    Job definitions are immutable in SageMaker (every argument is ForceNew in
    the provider) while the schedule can point at another one in place. So
    the definition's name carries a hash of its settings (`definition_name`)
    and it is created before the old one is destroyed: a changed baseline or
    instance type creates a definition, repoints the schedule, then deletes
    the old definition.

    Props:
      definition_name, schedule_name: physical names.
      endpoint_name: the endpoint whose captured data is checked.
      image_uri: the Model Monitor analyzer image of the region.
      role: the ExecutionRole (needs read on the capture and baseline
        prefixes and write on `output_uri`; the capability grants them).
      key: the CustomerKey for the volume and the output.
      baseline_uri: s3 prefix holding `statistics.json` and `constraints.json`.
      output_uri: s3 prefix for reports.
      schedule_expression: `cron(...)`.
      max_runtime_seconds: at most the schedule's interval (SageMaker caps an hourly job at 3600).
      instance_type, volume_size_gb: the processing cluster; defaults ml.m5.xlarge, 20 GB.
      subnets, security_group_ids: VPC placement; default none.
    """

    def __init__(self, scope: Any, id: str, *, definition_name: str, schedule_name: str, endpoint_name: str,
                 image_uri: str, role: ExecutionRole, key: CustomerKey, baseline_uri: str, output_uri: str,
                 schedule_expression: str, max_runtime_seconds: int, instance_type: str = "ml.m5.xlarge",
                 volume_size_gb: int = 20, subnets: Sequence[str] = (), security_group_ids: Sequence[str] = ()) -> None:
        super().__init__(scope, id)
        vpc = SagemakerDataQualityJobDefinitionNetworkConfigVpcConfig(
            subnets=list(subnets), security_group_ids=list(security_group_ids)) if subnets else None
        self.definition = add_resource(
            self.stack, SagemakerDataQualityJobDefinition, f"{id}_data_quality",
            name=definition_name,
            role_arn=role.arn,
            data_quality_app_specification=SagemakerDataQualityJobDefinitionDataQualityAppSpecification(
                image_uri=image_uri, environment={"publish_cloudwatch_metrics": "Enabled"}),
            data_quality_baseline_config=SagemakerDataQualityJobDefinitionDataQualityBaselineConfig(
                constraints_resource=SagemakerDataQualityJobDefinitionDataQualityBaselineConfigConstraintsResource(
                    s3_uri=f"{baseline_uri}/constraints.json"),
                statistics_resource=SagemakerDataQualityJobDefinitionDataQualityBaselineConfigStatisticsResource(
                    s3_uri=f"{baseline_uri}/statistics.json"),
            ),
            data_quality_job_input=SagemakerDataQualityJobDefinitionDataQualityJobInput(
                endpoint_input=SagemakerDataQualityJobDefinitionDataQualityJobInputEndpointInput(
                    endpoint_name=endpoint_name, local_path="/opt/ml/processing/input/endpoint",
                    s3_input_mode="File", s3_data_distribution_type="FullyReplicated")),
            data_quality_job_output_config=SagemakerDataQualityJobDefinitionDataQualityJobOutputConfig(
                kms_key_id=key.arn,
                monitoring_outputs=SagemakerDataQualityJobDefinitionDataQualityJobOutputConfigMonitoringOutputs(
                    s3_output=SagemakerDataQualityJobDefinitionDataQualityJobOutputConfigMonitoringOutputsS3Output(
                        s3_uri=output_uri, local_path="/opt/ml/processing/output", s3_upload_mode="EndOfJob"))),
            job_resources=SagemakerDataQualityJobDefinitionJobResources(
                cluster_config=SagemakerDataQualityJobDefinitionJobResourcesClusterConfig(
                    instance_count=1, instance_type=instance_type, volume_size_in_gb=volume_size_gb,
                    volume_kms_key_id=key.arn)),
            network_config=SagemakerDataQualityJobDefinitionNetworkConfig(
                enable_inter_container_traffic_encryption=True, enable_network_isolation=True, vpc_config=vpc),
            stopping_condition=SagemakerDataQualityJobDefinitionStoppingCondition(
                max_runtime_in_seconds=max_runtime_seconds),
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
            depends_on=role.ready,
        )
        self.schedule = add_resource(
            self.stack, SagemakerMonitoringSchedule, f"{id}_data_quality",
            name=schedule_name,
            monitoring_schedule_config=SagemakerMonitoringScheduleMonitoringScheduleConfig(
                monitoring_job_definition_name=ref(self.definition, "name"),
                monitoring_type="DataQuality",
                schedule_config=SagemakerMonitoringScheduleMonitoringScheduleConfigScheduleConfig(
                    schedule_expression=schedule_expression),
            ),
        )
