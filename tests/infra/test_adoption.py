"""Adoption in the stack: an adopted resource keeps its name and gets a Terraform `import` block
(real cdktn synth of the example workspace with `adopted` set, as `provision adopt` writes it)."""

from __future__ import annotations

import dataclasses

import pytest
from infra_helpers import resources

from infra.resource_names import WorkspaceNames

pytestmark = pytest.mark.synth


def test_adopted_bucket_and_registry_keep_their_names_and_are_imported(example_org, synth_stack):
    # GIVEN churn-model (gpu-training: buckets and a registry) adopting a POC's bucket and model package group
    ctx = dataclasses.replace(example_org.contexts["churn-model"],
                              adopted=(("data-bucket", "pricing-poc-data"), ("registry", "pricing-poc-models")))
    # WHEN its stack is synthesized
    config = synth_stack(ctx)
    # THEN each adopted resource is imported by its name into the blueprint's resource
    assert sorted(config["import"], key=lambda block: block["to"]) == [
        {"id": "pricing-poc-data", "to": "aws_s3_bucket.data"},
        {"id": "pricing-poc-models", "to": "aws_sagemaker_model_package_group.models"},
    ]
    # AND keeps its name (a new name would replace it), everywhere the stack names it
    assert resources(config, "aws_s3_bucket")["data"]["bucket"] == "pricing-poc-data"
    assert resources(config, "aws_sagemaker_model_package_group")["models"]["model_package_group_name"] == \
        "pricing-poc-models"
    names = WorkspaceNames.of(ctx)
    assert names.model_package_group_arn.endswith(":model-package-group/pricing-poc-models")
    assert "pricing-poc-data" in str(config["resource"]["aws_iam_policy"])
    # AND what was not adopted keeps the blueprint's names
    assert resources(config, "aws_s3_bucket")["artifacts"]["bucket"] == names.bucket("artifacts")


def test_only_the_example_that_adopts_has_import_blocks(configs, example_org):
    # GIVEN the example workspaces synthesized  THEN the one whose spec adopts a POC imports exactly that
    adopters = {name for name, ctx in example_org.buildable.items() if ctx.adopted}
    assert adopters == {"pricing-poc"}
    assert sorted(block["id"] for block in configs["pricing-poc"]["import"]) == ["acme-pricing-poc-data",
                                                                             "pricing-poc-models"]
    # AND the others, the snapshots' examples among them, import nothing
    assert all("import" not in config for name, config in configs.items() if name not in adopters)
