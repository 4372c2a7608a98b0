"""SageMaker Pipelines: moto stores them; the local cloud also runs their processing steps, and a pipeline that
does not exist is answered as AWS answers it.

Corrects moto's own (the AWS behaviour followed: the SageMaker API Reference,
https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_StartPipelineExecution.html,
API_DescribePipelineExecution.html and API_CreateProcessingJob.html, whose errors are ResourceNotFound):

- DescribePipeline / DeletePipeline / UpdatePipeline / StartPipelineExecution / ListPipelineExecutions /
  DescribePipelineExecution: a pipeline that does not exist is ResourceNotFound (moto: ValidationException).
  The provider's delete treats ResourceNotFound as done; its SDK retries a DeletePipeline whose answer was
  lost, and that retry must not fail a destroy that already happened (seen in CI).
- StartPipelineExecution runs the execution (moto only recorded it, Succeeded at once): it is `Executing`
  while its steps run in the background, one after the other, then `Succeeded`, or `Failed` with the
  reason. A Processing step runs as its container would: the S3 objects of each input are downloaded under
  its LocalPath, and the container entrypoint runs with the step's Environment, the paths rewritten to
  those downloads, and this sandbox as its AWS (its endpoint, the test credentials, the pipeline's
  region), its arguments' pipeline parameter references (`{"Get": "Parameters.Mode"}`) resolved from the
  execution's parameters and the definition's defaults. Images cannot run here, but a Python script can:
  an entrypoint `python3 SCRIPT ARGS` (what provision's monitoring pipeline runs on the SageMaker
  scikit-learn image) runs with this server's
  Python, which has the standard library and boto3, as that image has. Any other entrypoint, another step
  type, or processing outputs (not uploaded here) fail the execution saying so. The step's output goes to
  the server log (.provision/sandbox/server.log); MaxRuntimeInSeconds stops it, as it stops a job.
- DescribePipelineExecution answers the execution's FailureReason (moto answered it empty).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from moto.core.utils import utcnow
from moto.sagemaker import models as sagemaker_models
from moto.sagemaker.exceptions import ResourceNotFound
from moto.sagemaker.responses import SageMakerResponse

from provisioner.localcloud.services._moto import Extension, Operation, corrects, graft

OPERATIONS: tuple[Operation, ...] = ()

EXTENDED: tuple[Extension, ...] = (
    Extension("sagemaker", "DescribePipeline / DeletePipeline / StartPipelineExecution / ...",
              "a missing pipeline is ResourceNotFound, as AWS answers (moto: ValidationException; a retried delete failed)"),
    Extension("sagemaker", "StartPipelineExecution / DescribePipelineExecution",
              "runs the execution's processing steps whose entrypoint is a Python script (provision's monitoring "
              "evaluation) against the sandbox: Executing, then Succeeded or Failed with its reason"),
)

PYTHONS = ("python", "python3")  # entrypoints the sandbox's own interpreter stands in for
TEST_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}  # the local cloud's only ones
DEFAULT_MAX_RUNTIME = 3600


def get_pipeline_from_name(pipelines: dict[str, Any], name: str) -> Any:
    """Replaces moto.sagemaker.utils' lookup where the backend's pipeline operations call it."""
    pipeline = pipelines.get(name)
    if pipeline is None:
        raise ResourceNotFound(f"Pipeline '{name}' does not exist.")
    return pipeline


class StepFailed(Exception):
    """A step that failed, or that the local cloud cannot run: the execution's FailureReason."""


class PipelinesResponse:
    """Grafted onto moto's SageMakerResponse: a started execution runs; its failure reason is answered."""

    @corrects
    def start_pipeline_execution(self: Any, moto_start: Callable[[Any], Any]) -> Any:
        result = moto_start(self)
        pipeline = self.sagemaker_backend.pipelines[self._get_param("PipelineName")]
        execution = list(pipeline.pipeline_executions.values())[-1]  # the one moto just recorded
        execution.pipeline_execution_status = "Executing"
        region = self.sagemaker_backend.region_name
        runner = threading.Thread(target=run_execution, args=(pipeline.pipeline_name, execution, region,
                                                              _endpoint(self.headers.get("Host", ""))),
                                  name=f"pipeline-{pipeline.pipeline_name}", daemon=True)
        runner.start()
        return result

    @corrects
    def describe_pipeline_execution(self: Any, moto_describe: Callable[[Any], Any]) -> Any:
        result = moto_describe(self)
        execution = sagemaker_models.get_pipeline_execution_from_arn(
            self.sagemaker_backend.pipelines, self._get_param("PipelineExecutionArn"))
        if execution.pipeline_execution_failure_reason:
            result.result["FailureReason"] = execution.pipeline_execution_failure_reason
        result.result["LastModifiedTime"] = execution.last_modified_time
        return result


def _endpoint(host: str) -> str:
    """This server's own endpoint, from the Host the request reached it at (it serves on 127.0.0.1 only)."""
    port = host.rpartition(":")[2]
    return f"http://127.0.0.1:{port}" if port.isdigit() else "http://127.0.0.1"


def run_execution(pipeline: str, execution: Any, region: str, endpoint: str) -> None:
    """Run the execution's steps in order; record Succeeded, or Failed with the first failure's reason."""
    try:
        definition = json.loads(execution.pipeline_definition_for_execution or "{}")
        parameters = parameter_values(definition, getattr(execution, "pipeline_parameters", None) or [])
        for step in definition.get("Steps") or []:
            _log(pipeline, step.get("Name", "?"), "started")
            if step.get("Type") != "Processing":
                raise StepFailed(f"step {step.get('Name')}: the local cloud runs Processing steps only "
                                 f"(this one is {step.get('Type')})")
            run_processing_step(step, region, endpoint, log=lambda line, s=step: _log(pipeline, s.get("Name"), line),
                                parameters=parameters)
            _log(pipeline, step.get("Name", "?"), "succeeded")
        status, reason = "Succeeded", None
    except StepFailed as exc:
        status, reason = "Failed", str(exc)
    except Exception as exc:  # noqa: BLE001 - whatever breaks, the execution must end, saying why
        status, reason = "Failed", f"the local cloud could not run the execution: {type(exc).__name__}: {exc}"
    if reason:
        _log(pipeline, "-", f"failed: {reason}")
    execution.pipeline_execution_status = status
    execution.pipeline_execution_failure_reason = reason
    execution.last_modified_time = utcnow()


def parameter_values(definition: dict[str, Any], given: list[dict[str, Any]]) -> dict[str, str]:
    """The execution's pipeline parameters: the definition's defaults, overridden by StartPipelineExecution's."""
    values = {str(p.get("Name")): str(p.get("DefaultValue", "")) for p in definition.get("Parameters") or []}
    values.update({str(p.get("Name")): str(p.get("Value", "")) for p in given})
    return values


def _argument(token: Any, parameters: dict[str, str], step: Any) -> str:
    """A container argument: text, or a `{"Get": "Parameters.NAME"}` reference SageMaker resolves before the run."""
    if isinstance(token, dict) and str(token.get("Get", "")).startswith("Parameters."):
        name = token["Get"].split(".", 1)[1]
        if name not in parameters:
            raise StepFailed(f"step {step}: the pipeline has no parameter {name}")
        return parameters[name]
    if not isinstance(token, str):
        raise StepFailed(f"step {step}: the local cloud resolves only parameter references in arguments ({token!r})")
    return token


def run_processing_step(step: dict[str, Any], region: str, endpoint: str, log: Callable[[str], None],
                        parameters: dict[str, str] | None = None) -> None:
    """Run one Processing step as its container would, its script on this interpreter (see the module doc)."""
    arguments = step.get("Arguments") or {}
    name = step.get("Name")
    app = arguments.get("AppSpecification") or {}
    command = [_argument(token, parameters or {}, name)
               for token in list(app.get("ContainerEntrypoint") or []) + list(app.get("ContainerArguments") or [])]
    if not command or os.path.basename(command[0]).split(".")[0] not in PYTHONS:
        raise StepFailed(f"step {name}: the local cloud cannot run the image {app.get('ImageUri')}; it runs only "
                         f"an entrypoint `python3 SCRIPT ...` (this one: {' '.join(command[:2]) or 'none'})")
    if (arguments.get("ProcessingOutputConfig") or {}).get("Outputs"):
        raise StepFailed(f"step {name}: processing outputs are not uploaded on the local cloud")
    limit = int((arguments.get("StoppingCondition") or {}).get("MaxRuntimeInSeconds") or DEFAULT_MAX_RUNTIME)
    work = Path(tempfile.mkdtemp(prefix="provision-processing-"))
    try:
        s3 = _client("s3", region, endpoint)
        paths: dict[str, str] = {}
        for item in arguments.get("ProcessingInputs") or []:
            source = item.get("S3Input") or {}
            if not source.get("S3Uri") or not source.get("LocalPath"):
                raise StepFailed(f"step {name}: input {item.get('InputName')} is not an S3 input")
            local = work / source["LocalPath"].lstrip("/")
            _download(s3, source["S3Uri"], local)
            paths[source["LocalPath"].rstrip("/")] = str(local)
        argv = [sys.executable] + [_localized(token, paths) for token in command[1:]]
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(work), **TEST_CREDENTIALS,
               **{str(k): str(v) for k, v in (arguments.get("Environment") or {}).items()},
               # The sandbox is its AWS; nothing of this machine's AWS configuration reaches it.
               "AWS_ENDPOINT_URL": endpoint, "AWS_REGION": region, "AWS_DEFAULT_REGION": region,
               "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
               "AWS_EC2_METADATA_DISABLED": "true"}
        try:
            done = subprocess.run(argv, cwd=work, env=env, capture_output=True, text=True, timeout=limit)
        except subprocess.TimeoutExpired:
            raise StepFailed(f"step {name}: stopped after {limit} s (StoppingCondition.MaxRuntimeInSeconds)") from None
        for line in (done.stdout + done.stderr).splitlines():
            log(line)
        if done.returncode != 0:
            last = next((line for line in reversed(done.stderr.splitlines()) if line.strip()), "no output")
            raise StepFailed(f"step {name}: exit code {done.returncode}: {last.strip()}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _localized(token: str, paths: dict[str, str]) -> str:
    """A container path under an input's LocalPath, as the file downloaded here."""
    for container, local in paths.items():
        if token == container or token.startswith(container + "/"):
            return local + token[len(container):]
    return token


def _download(s3: Any, uri: str, folder: Path) -> None:
    """Every object under the S3 prefix into FOLDER, keeping the path below the prefix (S3Prefix inputs)."""
    bucket, _, prefix = uri.removeprefix("s3://").partition("/")
    found = False
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            relative = item["Key"][len(prefix):].lstrip("/") or item["Key"].rsplit("/", 1)[-1]
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read())
            found = True
    if not found:
        raise StepFailed(f"input {uri}: no object under it")


def _client(service: str, region: str, endpoint: str) -> Any:
    import boto3

    return boto3.session.Session(aws_access_key_id=TEST_CREDENTIALS["AWS_ACCESS_KEY_ID"],
                                 aws_secret_access_key=TEST_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
                                 region_name=region).client(service, endpoint_url=endpoint)


def _log(pipeline: str, step: str, line: str) -> None:
    print(f"local cloud: pipeline {pipeline} step {step}: {line}", flush=True)


def install() -> list[str]:
    # moto's backend imported the helper by name: the backend module's reference is the one its methods call.
    sagemaker_models.get_pipeline_from_name = get_pipeline_from_name
    graft(SageMakerResponse, PipelinesResponse)
    return []
