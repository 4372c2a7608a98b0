"""`provision env`: the workspace's SageMaker SDK defaults, checked with the schema inside the `sagemaker` package."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
import yaml

from provisioner.catalog.loader import Catalog
from provisioner.ds import sdk_config
from provisioner.ds.workspace import SOURCE_OUTPUTS, SOURCE_SYNTH, facts
from provisioner.models.org import load_org
from provisioner.specs.workspaces import load_all

from .conftest import MOTO_ACCOUNT, REGION, Applied, client

sagemaker = pytest.importorskip("sagemaker", reason="the SageMaker SDK extra is not installed")


def _exports(stdout: str) -> dict[str, str]:
    values = {}
    for line in stdout.splitlines():
        assert line.startswith("export "), line
        key, _, value = line[len("export "):].partition("=")
        values[key] = shlex.split(value)[0]
    return values


def test_defaults_of_every_example_workspace_validate_against_the_sdk_schema(org: Path):
    # GIVEN every workspace of the example org (training, serving, VPC and no VPC)
    from jsonschema import Draft202012Validator, validators
    from sagemaker.core.config.config_schema import SAGEMAKER_PYTHON_SDK_CONFIG_SCHEMA

    loaded = load_org(str(org))
    contexts = load_all(loaded, Catalog.for_org(loaded))
    assert len(contexts) >= 4
    validator_class = validators.validator_for(SAGEMAKER_PYTHON_SDK_CONFIG_SCHEMA, default=Draft202012Validator)
    validator = validator_class(SAGEMAKER_PYTHON_SDK_CONFIG_SCHEMA)
    for ctx in contexts:
        # WHEN its defaults document is rendered, and written as YAML
        doc = sdk_config.render(ctx, facts(ctx))
        reread = yaml.safe_load(sdk_config.to_yaml(doc, ctx, facts(ctx)))
        # THEN the schema shipped in the sagemaker package accepts it, and the YAML is the same document
        errors = [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]
        assert errors == [], (ctx.name, errors)
        assert reread == doc


def test_env_write_prints_exports_that_make_the_sdk_load_the_file(run, org: Path, monkeypatch: pytest.MonkeyPatch):
    # GIVEN churn-model, not applied
    # WHEN its defaults are written
    result = run("env", "churn-model", "--write")
    # THEN stdout holds only the exports (for eval), pointing at the file and the workspace's region
    assert result.code == 0, result.err
    exports = _exports(result.out)
    path = Path(exports["SAGEMAKER_USER_CONFIG_OVERRIDE"])
    assert path == (org / ".provision" / "sagemaker" / "churn-model.yaml").resolve()
    assert exports["AWS_REGION"] == exports["AWS_DEFAULT_REGION"] == REGION
    assert "synthesized config" in result.err
    # AND the SDK's own loader, given those exports, loads and validates the file
    from sagemaker.core.config.config import load_sagemaker_config

    for key, value in exports.items():
        monkeypatch.setenv(key, value)
    admin = org / "admin-config.yaml"  # keeps any admin config of this machine out of the test
    admin.write_text("SchemaVersion: '1.0'\n")
    monkeypatch.setenv("SAGEMAKER_ADMIN_CONFIG_OVERRIDE", str(admin))
    loaded = load_sagemaker_config()
    training = loaded["SageMaker"]["TrainingJob"]
    assert training["RoleArn"] == f"arn:aws:iam::{MOTO_ACCOUNT}:role/acme-churn-model-dev-execution"
    assert training["OutputDataConfig"]["KmsKeyId"] == f"arn:aws:kms:{REGION}:{MOTO_ACCOUNT}:alias/acme-churn-model-dev-key"
    assert training["EnableNetworkIsolation"] is True
    assert loaded["SageMaker"]["PythonSDK"]["Modules"]["Session"]["DefaultS3Bucket"] == \
        f"acme-churn-model-dev-artifacts-{MOTO_ACCOUNT}"
    assert {"Key": "provision:workspace", "Value": "churn-model"} in training["Tags"]


def test_env_without_write_prints_the_document_and_the_exports_as_comments(run, org: Path):
    # GIVEN fraud-detector (prod: subnets and security groups)  WHEN env runs without --write
    result = run("env", "fraud-detector")
    # THEN stdout is the YAML document (comments included), with the VPC, and nothing is written
    assert result.code == 0, result.err
    doc = yaml.safe_load(result.out)
    assert doc["SageMaker"]["TrainingJob"]["VpcConfig"] == {
        "Subnets": ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"], "SecurityGroupIds": ["sg-0a1b2c3d4e5f60001"]}
    assert "#   export SAGEMAKER_USER_CONFIG_OVERRIDE=" in result.out
    assert not (org / ".provision" / "sagemaker").exists()


@pytest.mark.moto
def test_sdk_creates_jobs_with_the_workspace_defaults_from_the_written_file(run, org: Path, applied_churn: Applied,
                                                                              monkeypatch: pytest.MonkeyPatch):
    # GIVEN churn-model applied, and the exports of `provision env churn-model --write` in the environment
    result = run("env", "churn-model", "--write")
    assert result.code == 0, result.err
    for key, value in _exports(result.out).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("SAGEMAKER_VALIDATE_ROLE", "false")
    from sagemaker.core.helper.session_helper import Session
    from sagemaker.core.training.configs import Compute
    from sagemaker.train import ModelTrainer

    # WHEN a data scientist's own script creates a job giving neither role, bucket, key nor network settings
    trainer = ModelTrainer(sagemaker_session=Session(), training_image=applied_churn.image,
                           base_job_name=applied_churn.names.training_job_prefix,
                           compute=Compute(instance_type="ml.g5.xlarge", instance_count=1))
    trainer.train(wait=False, logs=False)
    # THEN the job has the workspace's role, bucket, network isolation and traffic encryption from the file
    job = client("sagemaker").describe_training_job(TrainingJobName=trainer._latest_training_job.training_job_name)
    names = applied_churn.names
    assert job["RoleArn"] == names.execution_role_arn
    assert job["OutputDataConfig"]["S3OutputPath"].startswith(f"s3://{names.artifacts_bucket}/sagemaker/")
    assert job["EnableNetworkIsolation"] is True and job["EnableInterContainerTrafficEncryption"] is True
    # AND, as `provision env` warns, sagemaker 3.x ModelTrainer takes neither the output key nor the tags from
    # the file (the workspace's IAM policy would refuse this job): scripts pass both, `provision train` does
    assert "KmsKeyId" not in job["OutputDataConfig"]
    assert client("sagemaker").list_tags(ResourceArn=job["TrainingJobArn"])["Tags"] == []
    assert "does not take the output key or the tags from this file" in result.err


@pytest.mark.terraform
def test_env_uses_the_applied_workspaces_terraform_outputs(run, org: Path, monkeypatch: pytest.MonkeyPatch):
    """The stack folder is a real, applied Terraform configuration (embedded engine, local state) holding the
    workspace's outputs but no AWS resources: no AWS provider can be installed on these machines."""
    from provisioner.engine.cliconfig import prepare
    from provisioner.engine.discovery import resolve_engine
    from provisioner.engine.runner import Runner
    from provisioner.engine.workdir import Workdir

    # GIVEN churn-model applied: its outputs carry the real key ARN (a key id, not the alias)
    key_arn = f"arn:aws:kms:{REGION}:{MOTO_ACCOUNT}:key/0c4f3b1e-6a52-4a8b-9d3c-3f1c2b7e9a10"
    role_arn = f"arn:aws:iam::{MOTO_ACCOUNT}:role/acme-churn-model-dev-execution"
    outputs = {"execution_role_arn": role_arn, "key_arn": key_arn, "artifacts_bucket": "acme-churn-artifacts-applied",
               "model_package_group_name": "acme-churn-model-dev-models", "training_job_prefix": "acme-churn-model-dev-train",
               "a_secret": "hunter2"}
    stack = org / "cdktf.out" / "stacks" / "churn-model"
    stack.mkdir(parents=True)
    (stack / "cdk.tf.json").write_text(json.dumps({
        "terraform": {"backend": {"local": {"path": str(org / ".provision" / "state" / "churn-model.tfstate")}}},
        "output": {k: {"value": v, "sensitive": k == "a_secret"} for k, v in outputs.items()},
    }))
    monkeypatch.setenv("PROVISION_ENGINE", "embedded")
    work = Workdir(Runner(resolve_engine("embedded"), prepare(org / ".provision" / "engine")), stack, workspace="churn-model")
    work.init()
    work.run("apply", ["apply", "-auto-approve", "-input=false", "-no-color"])
    # WHEN its defaults are asked for
    result = run("env", "churn-model", "-o", "json")
    # THEN they come from the outputs: the key ARN, the applied bucket; no sensitive output anywhere
    assert result.code == 0, result.err
    data = result.json()
    assert data["source"] == SOURCE_OUTPUTS
    training = data["config"]["SageMaker"]["TrainingJob"]
    assert training["OutputDataConfig"]["KmsKeyId"] == key_arn
    assert training["RoleArn"] == role_arn
    assert data["config"]["SageMaker"]["PythonSDK"]["Modules"]["Session"]["DefaultS3Bucket"] == "acme-churn-artifacts-applied"
    assert data["config"]["SageMaker"]["EndpointConfig"]["DataCaptureConfig"]["KmsKeyId"] == key_arn
    assert "hunter2" not in result.out
    # AND a workspace that was never applied still gets its synthesized values
    other = run("env", "forecasting", "-o", "json")
    assert other.code == 0 and other.json()["source"] == SOURCE_SYNTH


def test_env_without_the_sdk_still_writes_and_says_how_to_install_it(org: Path):
    """Runs in a fresh interpreter with a finder that hides the `sagemaker` package, as on an install
    without the extra."""
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "class Hide:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'sagemaker': raise ModuleNotFoundError(name)\n"
        "sys.meta_path.insert(0, Hide())\n"
        "from provisioner.cli.main import cli\n"
        "sys.exit(cli(sys.argv[1:]))\n"
    )
    # GIVEN no SageMaker SDK
    env_run = subprocess.run([sys.executable, "-c", probe, "env", "churn-model", "--write"], cwd=org,
                             capture_output=True, text=True, timeout=120)
    # THEN env still writes (exit 0) and notes how to install the SDK
    assert env_run.returncode == 0, env_run.stderr
    assert "pip install 'sagemaker==" in env_run.stderr and "extra of provision" in env_run.stderr
    assert (org / ".provision" / "sagemaker" / "churn-model.yaml").is_file()
    # AND train says it needs the SDK and how to install it (exit 1), after checking the request
    ctx_image = f"{MOTO_ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/acme-churn-model-dev-images:1"
    train_run = subprocess.run([sys.executable, "-c", probe, "train", "churn-model", "--image", ctx_image], cwd=org,
                               capture_output=True, text=True, timeout=120)
    assert train_run.returncode == 1, train_run.stderr
    assert "needs the SageMaker Python SDK" in train_run.stderr
    assert "pip install 'sagemaker==" in train_run.stderr



@pytest.mark.terraform
def test_env_falls_back_to_synthesized_names_when_outputs_cannot_be_read(run, org: Path,
                                                                        monkeypatch: pytest.MonkeyPatch):
    # GIVEN a stack folder with a `.terraform` folder whose S3 backend was never initialized here
    stack = org / "cdktf.out" / "stacks" / "churn-model"
    (stack / ".terraform").mkdir(parents=True)
    (stack / "cdk.tf.json").write_text(json.dumps({
        "terraform": {"backend": {"s3": {"bucket": "acme-provision-state-dev", "key": "x", "region": REGION}}},
        "output": {"execution_role_arn": {"value": "arn:aws:iam::123456789012:role/elsewhere"}}}))
    monkeypatch.setenv("PROVISION_ENGINE", "embedded")
    # WHEN its defaults are asked for
    result = run("env", "churn-model", "-o", "json")
    # THEN they come from the synthesized names, with a note saying why
    assert result.code == 0, result.err
    assert result.json()["source"] == SOURCE_SYNTH
    assert result.json()["config"]["SageMaker"]["TrainingJob"]["RoleArn"].endswith(":role/acme-churn-model-dev-execution")
    assert "could not read the Terraform outputs of churn-model" in result.err
