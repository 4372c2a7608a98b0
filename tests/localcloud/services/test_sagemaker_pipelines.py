"""services/sagemaker_pipelines.py: a missing pipeline answered as AWS answers it, and a started execution
run (its Python processing steps, against the server itself), through boto3.

Every call goes to the session's moto server with the extensions installed (conftest.py), and every answer
checked with `call` is checked against the botocore output shape (roundtrip.py).
"""

from __future__ import annotations

import json
import time

import pytest

from .roundtrip import REGION, ROLE, call

pytestmark = pytest.mark.moto


def test_a_pipeline_that_does_not_exist_is_resource_not_found_as_aws_answers(client):
    sm = client("sagemaker")
    sm.create_pipeline(PipelineName="churn-monitoring", RoleArn=ROLE, ClientRequestToken="t" * 32,
                       PipelineDefinition=json.dumps({"Version": "2020-12-01", "Steps": []}))
    # GIVEN a pipeline, deleted once
    sm.delete_pipeline(PipelineName="churn-monitoring", ClientRequestToken="u" * 32)
    # WHEN it is described or deleted again (the provider's SDK retries a delete whose answer was lost)
    # THEN both answer ResourceNotFound, which the provider reads as "already gone"
    for again in (lambda: sm.describe_pipeline(PipelineName="churn-monitoring"),
                  lambda: sm.delete_pipeline(PipelineName="churn-monitoring", ClientRequestToken="v" * 32)):
        with pytest.raises(sm.exceptions.ResourceNotFound):
            again()


def _processing(name: str, image: str, entrypoint: list[str], inputs: list[dict] | None = None) -> dict:
    return {"Name": name, "Type": "Processing", "Arguments": {
        "AppSpecification": {"ImageUri": image, "ContainerEntrypoint": entrypoint},
        "ProcessingInputs": inputs or [],
        "ProcessingResources": {"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.t3.medium",
                                                  "VolumeSizeInGB": 1}},
        "Environment": {"GREETING": "hello"}, "RoleArn": ROLE}}


def _run(sm, name: str, steps: list[dict], parameters: list[dict] | None = None, **start) -> dict:
    """Create a pipeline of STEPS, start it, and wait for its execution to end; its description."""
    sm.create_pipeline(PipelineName=name, RoleArn=ROLE, PipelineDefinition=json.dumps(
        {"Version": "2020-12-01", "Parameters": parameters or [], "Steps": steps}))
    arn = call(sm, "StartPipelineExecution", PipelineName=name, **start)["PipelineExecutionArn"]
    deadline = time.monotonic() + 60
    while True:
        described = call(sm, "DescribePipelineExecution", PipelineExecutionArn=arn)
        if described["PipelineExecutionStatus"] != "Executing" or time.monotonic() > deadline:
            return described
        time.sleep(0.2)


def test_a_started_execution_runs_its_python_step_against_the_local_cloud(client):
    s3, sm = client("s3"), client("sagemaker")
    # GIVEN a script in a bucket that writes its environment's greeting back to the same cloud with boto3
    s3.create_bucket(Bucket="code", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket="code", Key="steps/v1/hello.py", Body=(
        b"import os, sys, boto3\n"
        b"boto3.client('s3').put_object(Bucket='code', Key='out/greeting.txt',\n"
        b"                              Body=(os.environ['GREETING'] + ' ' + sys.argv[1]).encode())\n"))
    step = _processing("Hello", "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3",
                       ["python3", "/opt/ml/processing/input/code/hello.py", "world"],
                       [{"InputName": "code", "S3Input": {"S3Uri": "s3://code/steps/v1/hello.py",
                                                           "LocalPath": "/opt/ml/processing/input/code",
                                                           "S3DataType": "S3Prefix", "S3InputMode": "File"}}])
    # WHEN a pipeline of that processing step is started
    described = _run(sm, "hello", [step])
    # THEN the execution ran it, as a container would, against this cloud, and succeeded
    assert described["PipelineExecutionStatus"] == "Succeeded", described.get("FailureReason")
    assert s3.get_object(Bucket="code", Key="out/greeting.txt")["Body"].read() == b"hello world"


def test_fails_when_a_pipeline_step_runs_an_image_the_local_cloud_cannot(client):
    # GIVEN a pipeline whose processing step runs a container image's own entrypoint
    step = _processing("Train", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/java:1", ["java", "-jar", "/opt/app.jar"])
    # WHEN it is started
    described = _run(client("sagemaker"), "java-job", [step])
    # THEN the execution fails, saying what the local cloud can run instead of pretending it ran
    assert described["PipelineExecutionStatus"] == "Failed"
    assert "cannot run the image 123456789012.dkr.ecr.eu-west-1.amazonaws.com/java:1" in described["FailureReason"]
    assert "python3 SCRIPT" in described["FailureReason"]


def test_a_steps_parameter_references_take_the_executions_values_or_the_defaults(client):
    s3, sm = client("s3"), client("sagemaker")
    # GIVEN a script that writes its arguments back, and a step passing it two pipeline parameters
    s3.create_bucket(Bucket="params", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket="params", Key="code/echo.py", Body=(
        b"import sys, boto3\n"
        b"boto3.client('s3').put_object(Bucket='params', Key='out/' + sys.argv[1], Body=' '.join(sys.argv[2:]).encode())\n"))
    step = _processing("Echo", "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3",
                       ["python3", "/opt/ml/processing/input/code/echo.py"],
                       [{"InputName": "code", "S3Input": {"S3Uri": "s3://params/code/echo.py",
                                                           "LocalPath": "/opt/ml/processing/input/code",
                                                           "S3DataType": "S3Prefix", "S3InputMode": "File"}}])
    step["Arguments"]["AppSpecification"]["ContainerArguments"] = [
        {"Get": "Parameters.Run"}, "--mode", {"Get": "Parameters.Mode"}]
    parameters = [{"Name": "Mode", "Type": "String", "DefaultValue": "scheduled"},
                  {"Name": "Run", "Type": "String", "DefaultValue": "first"}]
    # WHEN it runs once as started by its schedule (no values) and once with a value for Mode
    described = _run(sm, "echo", [step], parameters)
    assert described["PipelineExecutionStatus"] == "Succeeded", described.get("FailureReason")
    arn = call(sm, "StartPipelineExecution", PipelineName="echo", PipelineParameters=[
        {"Name": "Mode", "Value": "preview"}, {"Name": "Run", "Value": "second"}])["PipelineExecutionArn"]
    deadline = time.monotonic() + 60
    while call(sm, "DescribePipelineExecution", PipelineExecutionArn=arn)["PipelineExecutionStatus"] == "Executing":
        assert time.monotonic() < deadline
        time.sleep(0.2)
    # THEN the script got the defaults the first time and the given values the second
    assert s3.get_object(Bucket="params", Key="out/first")["Body"].read() == b"--mode scheduled"
    assert s3.get_object(Bucket="params", Key="out/second")["Body"].read() == b"--mode preview"
