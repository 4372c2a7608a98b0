"""SageMaker SDK defaults: pure Python, consistent with what the stack creates."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest
import yaml
from infra_helpers import PROJECT_ROOT, resources, with_params

from infra.resource_names import WorkspaceNames
from infra.sdk_defaults import sdk_defaults


def test_sdk_defaults_point_at_the_resources_the_stack_creates(configs, example_org, synthesized):
    # GIVEN every synthesized workspace
    for name, config in configs.items():
        ctx = example_org.contexts[name]
        names = WorkspaceNames.of(ctx)
        defaults = sdk_defaults(ctx)["SageMaker"]
        # THEN the role, bucket and key alias in the defaults are those in cdk.tf.json
        role = defaults["TrainingJob"]["RoleArn"]
        assert role.endswith(":role/" + resources(config, "aws_iam_role")["execution_role"]["name"])
        assert role.split(":")[4] == ctx.account_id
        bucket = defaults["PythonSDK"]["Modules"]["Session"]["DefaultS3Bucket"]
        assert bucket == resources(config, "aws_s3_bucket")["artifacts"]["bucket"]
        alias = resources(config, "aws_kms_alias")["key"]["name"]
        assert defaults["TrainingJob"]["OutputDataConfig"]["KmsKeyId"] == (
            f"arn:aws:kms:{ctx.region}:{ctx.account_id}:{alias}") == names.key_alias_arn
        # AND synth wrote the same content next to the config
        written = yaml.safe_load((synthesized.results[name].stack_dir / "sagemaker-defaults.yaml").read_text())
        assert written == sdk_defaults(ctx)


def test_sdk_defaults_turn_on_isolation_and_encryption_and_tag_with_the_workspace(example_org):
    # GIVEN the churn-model workspace
    ctx = example_org.contexts["churn-model"]
    # WHEN its SDK defaults are built
    defaults = sdk_defaults(ctx)
    training = defaults["SageMaker"]["TrainingJob"]
    # THEN schema 1.0, network isolation and inter-container encryption on, and all workspace tags
    assert defaults["SchemaVersion"] == "1.0"
    assert training["EnableNetworkIsolation"] is True and training["EnableInterContainerTrafficEncryption"] is True
    assert {t["Key"]: t["Value"] for t in training["Tags"]} == ctx.tags
    assert defaults["SageMaker"]["Model"]["EnableNetworkIsolation"] is True


def test_sdk_defaults_add_the_vpc_only_when_the_environment_has_subnets(example_org):
    # GIVEN a workspace in prod (subnets) and one in dev (none)
    prod, dev = example_org.contexts["fraud-detector"], example_org.contexts["churn-model"]
    # THEN prod's training jobs and models get the environment's VPC settings, dev's none
    vpc = sdk_defaults(prod)["SageMaker"]["TrainingJob"]["VpcConfig"]
    assert vpc == {"Subnets": prod.env.subnet_ids, "SecurityGroupIds": prod.env.security_group_ids}
    assert sdk_defaults(prod)["SageMaker"]["Model"]["VpcConfig"] == vpc
    assert "VpcConfig" not in sdk_defaults(dev)["SageMaker"]["TrainingJob"]


def test_volume_key_default_only_when_no_instance_type_has_local_storage(example_org):
    # GIVEN a workspace on GPU types with local NVMe storage and the same on EBS-backed types
    local = example_org.contexts["churn-model"]
    ebs = with_params(local, training__instance_types=["ml.m5.xlarge"])
    # THEN SageMaker would reject a volume key for the first, so only the second gets one
    assert "ResourceConfig" not in sdk_defaults(local)["SageMaker"]["TrainingJob"]
    assert sdk_defaults(ebs)["SageMaker"]["TrainingJob"]["ResourceConfig"] == {
        "VolumeKmsKeyId": WorkspaceNames.of(ebs).key_alias_arn}


def test_sdk_defaults_yaml_has_no_anchors(example_org):
    # GIVEN SDK defaults dumped as synth dumps them
    text = yaml.safe_dump(sdk_defaults(example_org.contexts["fraud-detector"]), sort_keys=False)
    # THEN repeated tag lists are written out in full (no &anchors / *aliases)
    assert "&id" not in text and "*id" not in text


def test_sdk_defaults_module_imports_without_cdktn():
    # GIVEN a fresh interpreter  WHEN infra.sdk_defaults is imported  THEN neither cdktn nor jsii is loaded
    code = "import sys, infra.sdk_defaults, infra.resource_names; print(any(m.split('.')[0] in ('cdktn', 'jsii') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT_ROOT, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.skipif(importlib.util.find_spec("sagemaker") is None,
                    reason="needs the `sagemaker` extra (its config JSON schema)")
def test_sdk_defaults_validate_against_the_sagemaker_sdk_schema(example_org):
    # GIVEN the SDK's own JSON schema for its config file
    import jsonschema
    from sagemaker.core.config.config_schema import SAGEMAKER_PYTHON_SDK_CONFIG_SCHEMA

    # THEN every example workspace's defaults validate
    for ctx in example_org.contexts.values():
        jsonschema.validate(sdk_defaults(ctx), SAGEMAKER_PYTHON_SDK_CONFIG_SCHEMA)
