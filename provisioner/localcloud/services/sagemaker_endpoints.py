"""SageMaker real-time inference: models and endpoints, answered as the AWS provider reads them back.

Adds (the AWS behaviour followed: the SageMaker API Reference,
https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_<Operation>.html):

- UpdateEndpoint: aws_sagemaker_endpoint update when a new endpoint configuration replaces the old one. The
  endpoint takes the new configuration's variants and data capture and is InService again; a configuration
  that does not exist fails the call; the request's DeploymentConfig is kept.

Corrects moto's own:

- CreateModel keeps EnableNetworkIsolation (moto answered False: the provider then replaced every isolated
  model on each plan), and DescribeModel of a model created without VpcConfig answers none, as AWS leaves it
  out (moto answered an empty one, which the provider reads as a vpc_config block: a replacement too).
- CreateEndpoint / UpdateEndpoint keep DeploymentConfig (blue/green canary or linear traffic shifting,
  auto-rollback alarms) and DescribeEndpoint answers it as LastDeploymentConfig, which is what the provider
  reads back (moto dropped it: the provider then replaced the endpoint on every plan).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import FakeEndpoint, SageMakerModelBackend
from moto.sagemaker.responses import SageMakerResponse

from provisioner.localcloud.services._moto import Extension, Operation, add_operations, corrects, graft

OPERATIONS: tuple[Operation, ...] = (
    Operation("sagemaker", "UpdateEndpoint",
              "aws_sagemaker_endpoint update when a new endpoint configuration replaces the old"),
)

EXTENDED: tuple[Extension, ...] = (
    Extension("sagemaker", "CreateModel", "keeps EnableNetworkIsolation (moto answered False: a replacement on every plan)"),
    Extension("sagemaker", "CreateModel / DescribeModel", "no VpcConfig when none was given (moto answered {}: a replacement)"),
    Extension("sagemaker", "CreateEndpoint / UpdateEndpoint / DescribeEndpoint",
              "keep DeploymentConfig, answered as LastDeploymentConfig (else the provider replaces the endpoint)"),
)


class EndpointsBackend:
    """Grafted onto moto's SageMakerModelBackend, whose endpoints and endpoint configurations it reads."""

    def update_endpoint(self: Any, endpoint_name: str, endpoint_config_name: str) -> FakeEndpoint:
        endpoint = self.endpoints.get(endpoint_name)
        if endpoint is None:
            arn = FakeEndpoint.arn_formatter(endpoint_name, self.account_id, self.region_name)
            raise ValidationError(message=f"Could not find endpoint '{arn}'.")
        config = self.describe_endpoint_config(endpoint_config_name)
        endpoint.endpoint_config_name = endpoint_config_name
        endpoint.production_variants = endpoint._process_production_variants(config["ProductionVariants"])
        endpoint.data_capture_config = config.get("DataCaptureConfig") or {}
        endpoint.endpoint_status = "InService"
        endpoint.last_modified_time = utcnow()
        return endpoint


class EndpointsResponse:
    """Grafted onto moto's SageMakerResponse: UpdateEndpoint's handler, and corrections of moto's own."""

    def update_endpoint(self: Any) -> ActionResult:
        endpoint = self.sagemaker_backend.update_endpoint(
            self._get_param("EndpointName"), self._get_param("EndpointConfigName"))
        if self._get_param("DeploymentConfig"):
            endpoint.last_deployment_config = self._get_param("DeploymentConfig")
        return ActionResult({"EndpointArn": endpoint.arn})

    @corrects
    def create_model(self: Any, moto_create_model: Callable[[Any], Any]) -> Any:
        result = moto_create_model(self)
        model = self.sagemaker_backend._models.get(self._get_param("ModelName"))
        if model is not None:
            model.enable_network_isolation = bool(self._get_param("EnableNetworkIsolation", False))
            if not self._get_param("VpcConfig"):
                model.vpc_config = None  # left out of DescribeModel, as AWS leaves it out
        return result

    @corrects
    def create_endpoint(self: Any, moto_create_endpoint: Callable[[Any], Any]) -> Any:
        result = moto_create_endpoint(self)
        endpoint = self.sagemaker_backend.endpoints.get(self._get_param("EndpointName"))
        if endpoint is not None and self._get_param("DeploymentConfig"):
            endpoint.last_deployment_config = self._get_param("DeploymentConfig")  # DescribeEndpoint's LastDeploymentConfig
        return result


def install() -> list[str]:
    graft(SageMakerModelBackend, EndpointsBackend)
    return add_operations(SageMakerResponse, EndpointsResponse, OPERATIONS)
