"""Adoption: existing resources a workspace takes over instead of creating (`provision adopt`).

Pure Python (no cdktn at import): the tool's side reads `ADOPTABLE` to check a spec's `adopted` mapping,
the stack calls `import_adopted` once every capability is built.

An adopted resource keeps its physical name (`infra.resource_names.WorkspaceNames` answers it for the
component), and its Terraform resource gets an `import` block, so the first plan takes the resource into
the state and changes only what provision sets on it (tags, policies, settings), never its name: a name
change would replace it. The sub-resources provision adds to it (a bucket's encryption, versioning, public
access block, policy; a repository's policy) are created on it as usual.
"""

from __future__ import annotations

from typing import Any, NamedTuple


class Adoptable(NamedTuple):
    address: str  # the blueprint's Terraform resource it becomes
    what: str  # as people call it
    capability: str  # the capability that builds it
    resource_type: str  # as the Tagging API and the inventory spell it (`service:kind`)


# component (the key in a spec's `adopted`) -> what it becomes. The address of each is an API (snapshots).
ADOPTABLE: dict[str, Adoptable] = {
    "data-bucket": Adoptable("aws_s3_bucket.data", "S3 bucket (the workspace's data)", "foundation", "s3:bucket"),
    "artifacts-bucket": Adoptable("aws_s3_bucket.artifacts", "S3 bucket (models and training output)", "foundation",
                                  "s3:bucket"),
    "image-repository": Adoptable("aws_ecr_repository.images", "ECR image repository", "foundation",
                                  "ecr:repository"),
    "registry": Adoptable("aws_sagemaker_model_package_group.models", "model package group (with its versions)",
                          "registry", "sagemaker:model-package-group"),
}


def import_adopted(stack: Any, adopted: tuple[tuple[str, str], ...]) -> None:
    """An `import` block for each adopted component's resource (Terraform imports it on the first plan)."""
    from infra.stack_build import StackBuild

    build = StackBuild.of(stack)
    for component, name in adopted:
        entry = ADOPTABLE.get(component)
        resource = build.resources.get(entry.address) if entry else None
        if resource is None:  # provisioner/specs/checks/adoption.py refuses such a spec before synth
            raise ValueError(f"adopted {component!r}: the stack has no {entry.address if entry else component}")
        resource.import_from(name)
