"""SageMaker Pipelines: moto implements them; a pipeline that does not exist is answered as AWS answers it.

Corrects moto's own (the AWS behaviour followed: the SageMaker API Reference,
https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribePipeline.html, whose errors are
ResourceNotFound):

- DescribePipeline / DeletePipeline / UpdatePipeline / StartPipelineExecution / ListPipelineExecutions /
  DescribePipelineExecution: a pipeline that does not exist is ResourceNotFound (moto: ValidationException).
  The provider's delete treats ResourceNotFound as done; its SDK retries a DeletePipeline whose answer was
  lost, and that retry must not fail a destroy that already happened (seen in CI).
"""

from __future__ import annotations

from typing import Any

from moto.sagemaker import models as sagemaker_models
from moto.sagemaker.exceptions import ResourceNotFound

from provisioner.localcloud.services._moto import Extension, Operation

OPERATIONS: tuple[Operation, ...] = ()

EXTENDED: tuple[Extension, ...] = (
    Extension("sagemaker", "DescribePipeline / DeletePipeline / StartPipelineExecution / ...",
              "a missing pipeline is ResourceNotFound, as AWS answers (moto: ValidationException; a retried delete failed)"),
)


def get_pipeline_from_name(pipelines: dict[str, Any], name: str) -> Any:
    """Replaces moto.sagemaker.utils' lookup where the backend's pipeline operations call it."""
    pipeline = pipelines.get(name)
    if pipeline is None:
        raise ResourceNotFound(f"Pipeline '{name}' does not exist.")
    return pipeline


def install() -> list[str]:
    # moto's backend imported the helper by name: the backend module's reference is the one its methods call.
    sagemaker_models.get_pipeline_from_name = get_pipeline_from_name
    return []
