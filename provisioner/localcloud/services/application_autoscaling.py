"""Application Auto Scaling: the tags of scalable targets, and deletes of what is gone, as AWS answers them.

Adds (the AWS behaviour followed: the Application Auto Scaling API Reference,
https://docs.aws.amazon.com/autoscaling/application/APIReference/API_<Operation>.html):

- ListTagsForResource / TagResource / UntagResource: aws_appautoscaling_target's tags (an endpoint
  variant's instance count), by the target's ARN; an ARN naming no target is ResourceNotFoundException.

Corrects moto's own:

- RegisterScalableTarget stores Tags when it creates the target (API_RegisterScalableTarget: Tags tag a
  target at creation; an existing one is tagged with TagResource, so a re-registration that changes its
  capacity leaves them) and DeregisterScalableTarget drops them;
- DeregisterScalableTarget / DeleteScalingPolicy of a target or policy that is not there is
  ObjectNotFoundException, as AWS answers (moto: ValidationException). The provider's delete treats it as
  done, so a delete its SDK retries after a lost answer succeeds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.applicationautoscaling.models import ApplicationAutoscalingBackend, FakeApplicationAutoscalingPolicy
from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse
from moto.core.responses import ActionResult, EmptyResult
from moto.utilities.tagging_service import TaggingService

from provisioner.localcloud.services._moto import Extension, Operation, add_operations, corrects, error, graft, state

OPERATIONS: tuple[Operation, ...] = (
    Operation("application-autoscaling", "ListTagsForResource", "aws_appautoscaling_target read of tags"),
    Operation("application-autoscaling", "TagResource", "aws_appautoscaling_target update of tags"),
    Operation("application-autoscaling", "UntagResource", "aws_appautoscaling_target update of tags"),
)

EXTENDED: tuple[Extension, ...] = (
    Extension("application-autoscaling", "RegisterScalableTarget / DeregisterScalableTarget", "store / drop Tags"),
    Extension("application-autoscaling", "DeregisterScalableTarget / DeleteScalingPolicy",
              "a missing target or policy is ObjectNotFoundException, as AWS answers (moto: ValidationException)"),
)


def _require_target(backend: Any, arn: str) -> None:
    if not any(t.arn == arn for targets in backend.targets.values() for t in targets.values()):
        raise error("ResourceNotFoundException", f"No scalable target found for {arn}")


def _target_arn(backend: Any, resource_id: str, dimension: str) -> str | None:
    target = backend.targets.get(dimension, {}).get(resource_id)
    return target.arn if target else None


def _as_tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


class ScalingBackend:
    """Grafted onto moto's ApplicationAutoscalingBackend: target tags, and deletes of what is not there."""

    ext_scalable_target_tags: TaggingService = state(TaggingService)  # target ARN -> tags

    def list_target_tags(self: Any, arn: str) -> dict[str, str]:
        _require_target(self, arn)
        return self.ext_scalable_target_tags.get_tag_dict_for_resource(arn)

    def tag_target(self: Any, arn: str, new_tags: dict[str, str]) -> None:
        _require_target(self, arn)
        self.ext_scalable_target_tags.tag_resource(arn, _as_tag_list(new_tags))

    def untag_target(self: Any, arn: str, keys: list[str]) -> None:
        _require_target(self, arn)
        self.ext_scalable_target_tags.untag_resource_using_names(arn, keys)

    @corrects
    def deregister_scalable_target(self: Any, moto_deregister: Callable[..., None], namespace: str, r_id: str,
                                   dimension: str) -> None:
        if not self._scalable_target_exists(r_id, dimension):
            raise error("ObjectNotFoundException", f"No scalable target registered for service namespace: "
                        f"{namespace}, resource ID: {r_id}, scalable dimension: {dimension}")
        moto_deregister(self, namespace, r_id, dimension)

    @corrects
    def delete_scaling_policy(self: Any, moto_delete: Callable[..., None], policy_name: str, service_namespace: str,
                              resource_id: str, scalable_dimension: str) -> None:
        key = FakeApplicationAutoscalingPolicy.formulate_key(service_namespace, resource_id, scalable_dimension,
                                                             policy_name)
        if key not in self.policies:
            raise error("ObjectNotFoundException", f"No scaling policy found for service namespace: "
                        f"{service_namespace}, resource ID: {resource_id}, scalable dimension: {scalable_dimension}, "
                        f"policy name: {policy_name}")
        moto_delete(self, policy_name, service_namespace, resource_id, scalable_dimension)


class ScalingResponse:
    """Grafted onto moto's ApplicationAutoScalingResponse: the tag handlers, and corrections of moto's own."""

    def list_tags_for_resource(self: Any) -> ActionResult:
        target_tags = self.applicationautoscaling_backend.list_target_tags(self._get_param("ResourceARN"))
        return ActionResult({"Tags": target_tags})

    def tag_resource(self: Any) -> ActionResult:
        self.applicationautoscaling_backend.tag_target(self._get_param("ResourceARN"), self._get_param("Tags"))
        return EmptyResult()

    def untag_resource(self: Any) -> ActionResult:
        self.applicationautoscaling_backend.untag_target(self._get_param("ResourceARN"), self._get_param("TagKeys"))
        return EmptyResult()

    @corrects
    def register_scalable_target(self: Any, moto_register: Callable[[Any], Any]) -> Any:
        backend = self.applicationautoscaling_backend
        existed = _target_arn(backend, self._get_param("ResourceId"), self._get_param("ScalableDimension"))
        result = moto_register(self)
        new_tags = self._get_param("Tags")
        arn = _target_arn(backend, self._get_param("ResourceId"), self._get_param("ScalableDimension"))
        if new_tags and arn and not existed:
            backend.ext_scalable_target_tags.tag_resource(arn, _as_tag_list(new_tags))
        return result

    @corrects
    def deregister_scalable_target(self: Any, moto_deregister: Callable[[Any], Any]) -> Any:
        backend = self.applicationautoscaling_backend
        arn = _target_arn(backend, self._get_param("ResourceId"), self._get_param("ScalableDimension"))
        result = moto_deregister(self)
        if arn:
            backend.ext_scalable_target_tags.delete_all_tags_for_resource(arn)
        return result


def install() -> list[str]:
    graft(ApplicationAutoscalingBackend, ScalingBackend)
    return add_operations(ApplicationAutoScalingResponse, ScalingResponse, OPERATIONS)
