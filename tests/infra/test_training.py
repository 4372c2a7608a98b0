"""The training capability: guardrails enforced by IAM conditions, and failure alerts."""

from __future__ import annotations

import json

import pytest
from infra_helpers import access_policy_statements, as_list, resources, with_params

from infra.resource_names import WorkspaceNames

WORKSPACES = ["churn-model", "fraud-detector", "sandbox-trial"]


@pytest.fixture(scope="module", params=WORKSPACES)
def workspace(request, configs, example_org):
    ctx = example_org.contexts[request.param]
    by_sid = access_policy_statements(configs[request.param])
    return ctx, configs[request.param], WorkspaceNames.of(ctx), by_sid


def key_ids(names: WorkspaceNames) -> list[str]:
    return ["${aws_kms_key.key.arn}", names.key_alias_arn]


def test_create_training_job_is_allowed_only_for_workspace_jobs_within_every_guardrail(workspace):
    # GIVEN a synthesized workspace's access policy
    ctx, _, names, by_sid = workspace
    allow = by_sid["CreateTrainingJobsWithinGuardrails"]
    condition = allow["Condition"]
    # THEN creation is allowed only for the workspace's job names
    assert allow["Effect"] == "Allow" and allow["Action"] == "sagemaker:CreateTrainingJob"
    assert allow["Resource"] == names.sagemaker_arn(f"training-job/{names.training_job_prefix}-*")
    # AND only with the workspace's instance types, which must be present
    assert condition["ForAllValues:StringEquals"]["sagemaker:InstanceTypes"] == ctx.param("training.instance_types")
    assert condition["Null"]["sagemaker:InstanceTypes"] == "false"
    # AND with output encrypted by the workspace key (key or alias ARN)
    assert condition["StringEquals"]["sagemaker:OutputKmsKey"] == key_ids(names)
    # AND with network isolation and inter-container encryption, without remote debugging
    assert condition["Bool"] == {"sagemaker:NetworkIsolation": "true",
                                 "sagemaker:InterContainerTrafficEncryption": "true"}
    assert condition["BoolIfExists"] == {"sagemaker:EnableRemoteDebug": "false"}
    # AND within the runtime limit
    assert condition["NumericLessThanEquals"] == {
        "sagemaker:MaxRuntimeInSeconds": str(ctx.param("training.max_runtime_hours") * 3600)}
    # AND tagged with the workspace
    assert condition["StringEquals"]["aws:RequestTag/provision:workspace"] == ctx.name
    assert condition["ForAnyValue:StringEquals"] == {"aws:TagKeys": ["provision:workspace"]}


def test_volume_key_is_required_if_present_for_instance_types_with_local_storage(workspace):
    # GIVEN the example workspaces, which all train on types with local NVMe storage (g4dn, g5, p4d)
    _, _, names, by_sid = workspace
    condition = by_sid["CreateTrainingJobsWithinGuardrails"]["Condition"]
    # THEN a volume key, where given, must be the workspace key; SageMaker rejects one for these types
    assert condition["StringEqualsIfExists"] == {"sagemaker:VolumeKmsKey": key_ids(names)}
    assert "sagemaker:VolumeKmsKey" not in condition["StringEquals"]


def test_volume_key_is_strictly_required_when_every_instance_type_is_ebs_backed(example_org, synth_stack):
    # GIVEN a workspace training only on EBS-backed instance types
    ctx = with_params(example_org.contexts["churn-model"], training__instance_types=["ml.m5.xlarge", "ml.c5.2xlarge"])
    # WHEN it is synthesized
    config = synth_stack(ctx)
    condition = access_policy_statements(config)["CreateTrainingJobsWithinGuardrails"]["Condition"]
    # THEN the volume key must be present and be the workspace key
    assert condition["StringEquals"]["sagemaker:VolumeKmsKey"] == key_ids(WorkspaceNames.of(ctx))
    assert "StringEqualsIfExists" not in condition
    assert condition["ForAllValues:StringEquals"]["sagemaker:InstanceTypes"] == ["ml.m5.xlarge", "ml.c5.2xlarge"]


def test_other_instance_types_are_denied_explicitly(workspace):
    # GIVEN a synthesized workspace's access policy
    ctx, _, names, by_sid = workspace
    deny = by_sid["DenyTrainingOnOtherInstanceTypes"]
    # THEN any instance type outside the workspace's list is denied for its jobs, whatever else allows
    assert deny["Effect"] == "Deny" and deny["Action"] == "sagemaker:CreateTrainingJob"
    assert deny["Resource"] == names.training_jobs_arn
    assert deny["Condition"] == {"ForAnyValue:StringNotEquals": {
        "sagemaker:InstanceTypes": ctx.param("training.instance_types")}}


def test_jobs_must_run_in_the_environment_subnets_when_it_has_any(workspace):
    # GIVEN a synthesized workspace
    ctx, _, _, by_sid = workspace
    condition = by_sid["CreateTrainingJobsWithinGuardrails"]["Condition"]
    # THEN with subnets, VPC settings are required and limited to the environment's; without, not mentioned
    if ctx.env.subnet_ids:
        assert condition["ForAllValues:StringEquals"]["sagemaker:VpcSubnets"] == ctx.env.subnet_ids
        assert condition["ForAllValues:StringEquals"]["sagemaker:VpcSecurityGroupIds"] == ctx.env.security_group_ids
        assert condition["Null"]["sagemaker:VpcSubnets"] == "false"
    else:
        assert "sagemaker:VpcSubnets" not in json.dumps(condition)


def test_pass_role_is_limited_to_the_execution_role_and_sagemaker(workspace):
    # GIVEN a synthesized workspace's access policy
    _, config, names, by_sid = workspace
    passes = [s for s in by_sid.values() if "iam:PassRole" in as_list(s["Action"])]
    # THEN exactly one statement passes a role: the workspace execution role, to SageMaker only
    assert passes == [by_sid["PassExecutionRoleToSageMaker"]]
    assert passes[0]["Resource"] == names.execution_role_arn
    assert passes[0]["Condition"] == {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}
    assert resources(config, "aws_iam_role")["execution_role"]["name"] == names.execution_role_arn.rsplit("/", 1)[1]


def test_people_describe_stop_and_tag_only_workspace_jobs(workspace):
    # GIVEN a synthesized workspace's access policy
    _, _, names, by_sid = workspace
    # THEN describe/stop/list-tags and tag-on-create apply to the workspace's job names only
    assert by_sid["WatchAndStopWorkspaceTrainingJobs"]["Resource"] == names.training_jobs_arn
    assert set(by_sid["WatchAndStopWorkspaceTrainingJobs"]["Action"]) == {
        "sagemaker:DescribeTrainingJob", "sagemaker:StopTrainingJob", "sagemaker:ListTags"}
    tag = by_sid["TagTrainingJobsOnCreate"]
    assert tag["Resource"] == names.training_jobs_arn
    assert tag["Condition"] == {"StringEquals": {"sagemaker:TaggingAction": "CreateTrainingJob"}}
    # AND every sagemaker action except List* names a resource of this workspace
    for item in by_sid.values():
        actions = [a for a in as_list(item["Action"]) if a.startswith("sagemaker:")]
        if actions and item["Resource"] == "*":
            assert all(a.startswith("sagemaker:List") for a in actions), item["Sid"]


def test_failed_training_jobs_of_the_workspace_alert_the_topic(workspace):
    # GIVEN a synthesized workspace
    ctx, config, names, _ = workspace
    rule = resources(config, "aws_cloudwatch_event_rule")["training_failed"]
    pattern = json.loads(rule["event_pattern"])
    target = resources(config, "aws_cloudwatch_event_target")["training_failed"]
    # THEN SageMaker training job state changes to Failed for this workspace's job names go to the alert topic
    assert rule["name"] == names.training_failed_rule and rule["state"] == "ENABLED"
    assert pattern == {
        "source": ["aws.sagemaker"],
        "detail-type": ["SageMaker Training Job State Change"],
        "detail": {"TrainingJobStatus": ["Failed"],
                   "TrainingJobName": [{"prefix": f"{names.training_job_prefix}-"}]},
    }
    assert target["arn"] == "${aws_sns_topic.alerts.arn}"
    assert target["rule"] == "${aws_cloudwatch_event_rule.training_failed.name}"
    assert ctx.name in json.loads(target["input_transformer"]["input_template"])


def test_runtime_limit_follows_the_parameter(example_org, synth_stack):
    # GIVEN a workspace allowed 3 hours per job
    ctx = with_params(example_org.contexts["churn-model"], training__max_runtime_hours=3)
    # WHEN it is synthesized
    by_sid = access_policy_statements(synth_stack(ctx))
    # THEN the IAM runtime ceiling is 10800 seconds
    assert by_sid["CreateTrainingJobsWithinGuardrails"]["Condition"]["NumericLessThanEquals"] == {
        "sagemaker:MaxRuntimeInSeconds": "10800"}
