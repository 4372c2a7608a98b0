"""`provision train` and `provision models` against a moto server on 127.0.0.1.

moto completes a training job as soon as it is created; it lacks
iam:SimulatePrincipalPolicy, so SAGEMAKER_VALIDATE_ROLE=false (provision sets
it too, unless the environment says otherwise).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from .conftest import MOTO_ACCOUNT, REGION, Applied, client

pytestmark = [pytest.mark.moto]


@pytest.fixture(autouse=True)
def _sdk_env(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("sagemaker", reason="the SageMaker SDK extra is not installed: pip install 'provisioner-ml[sagemaker]'")
    monkeypatch.setenv("SAGEMAKER_VALIDATE_ROLE", "false")


def _train(run, applied: Applied, *extra: str):
    return run("train", "churn-model", "--image", applied.image, "--input", applied.data, "-o", "json", *extra)


def test_gpu_spot_training_job_completes_inside_the_workspace(run, applied_churn: Applied):
    # GIVEN churn-model applied (role, buckets, registry)
    names = applied_churn.names
    # WHEN a spot GPU training job is launched on ml.g5.xlarge
    result = _train(run, applied_churn, "--instance-type", "ml.g5.xlarge", "--spot", "--max-runtime", "4h",
                    "--hyperparameter", "epochs=3", "--hyperparameter", "lr=0.01")
    # THEN it is followed to Completed
    assert result.code == 0, result.err
    job_name = result.json()["job"]["name"]
    assert result.json()["job"]["status"] == "Completed"
    job = client("sagemaker").describe_training_job(TrainingJobName=job_name)
    assert job["TrainingJobStatus"] == "Completed"
    # AND the progress went to stderr (stdout holds only the JSON) and showed each of the job's real status
    # transitions, in order
    assert f"started training job {job_name}" in result.err
    shown = re.findall(r"^  (?:\d\d:\d\d:\d\d)? ?(\w+)", result.err, flags=re.M)
    assert shown == [t["Status"] for t in job["SecondaryStatusTransitions"]], result.err
    # AND it ran as the workspace, named as its IAM policy requires
    assert job_name.startswith(names.training_job_prefix + "-")
    assert job["RoleArn"] == names.execution_role_arn
    # AND on the GPU type, spot, with checkpoints in the artifacts bucket
    assert job["ResourceConfig"]["InstanceType"] == "ml.g5.xlarge"
    assert job["ResourceConfig"]["InstanceCount"] == 1
    assert job["EnableManagedSpotTraining"] is True
    assert job["CheckpointConfig"]["S3Uri"].startswith(f"s3://{names.artifacts_bucket}/sagemaker/")
    assert job["CheckpointConfig"]["LocalPath"] == "/opt/ml/checkpoints"
    assert job["StoppingCondition"] == {"MaxRuntimeInSeconds": 4 * 3600, "MaxWaitTimeInSeconds": 8 * 3600}
    # AND output encrypted with the workspace key (no volume key: g5 disks are encrypted by the hardware)
    assert job["OutputDataConfig"]["KmsKeyId"] == names.key_alias_arn
    assert job["OutputDataConfig"]["S3OutputPath"].startswith(f"s3://{names.artifacts_bucket}/")
    assert "VolumeKmsKeyId" not in job["ResourceConfig"]
    assert job["EnableNetworkIsolation"] is True and job["EnableInterContainerTrafficEncryption"] is True
    assert job["HyperParameters"] == {"epochs": "3", "lr": "0.01"}
    assert job["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"] == applied_churn.data
    # AND it carries every workspace tag
    tags = {t["Key"]: t["Value"] for t in client("sagemaker").list_tags(ResourceArn=job["TrainingJobArn"])["Tags"]}
    assert tags == {"provision:workspace": "churn-model", "provision:org": "acme", "provision:environment": "dev",
                    "provision:blueprint": "gpu-training@1.0.0", "owner": "alice@example.com", "team": "growth",
                    "cost-center": "cc-1234"}


def test_disallowed_instance_type_creates_no_job(run, applied_churn: Applied):
    # GIVEN churn-model applied  WHEN a type outside training.instance_types is asked for
    result = _train(run, applied_churn, "--instance-type", "ml.p4d.24xlarge")
    # THEN it is refused (invalid input, exit 2) and no job exists
    assert result.code == 2, result.err
    assert client("sagemaker").list_training_jobs()["TrainingJobSummaries"] == []


def test_registers_the_trained_model_pending_approval_then_approves_it(run, applied_churn: Applied):
    # GIVEN churn-model applied  WHEN a job is trained with --register
    result = _train(run, applied_churn, "--register")
    # THEN the model is version 1 of the workspace registry, pending manual approval
    assert result.code == 0, result.err
    model = result.json()["model"]
    assert model["version"] == 1 and model["approval"] == "PendingManualApproval"
    package = client("sagemaker").describe_model_package(ModelPackageName=model["arn"])
    assert package["ModelPackageGroupName"] == applied_churn.names.model_package_group
    container = package["InferenceSpecification"]["Containers"][0]
    assert container["Image"] == applied_churn.image
    assert container["ModelDataUrl"] == result.json()["job"]["model_data"]
    # AND `models list` shows it
    listed = run("models", "list", "churn-model", "-o", "json")
    assert listed.code == 0, listed.err
    assert [(v["version"], v["approval"]) for v in listed.json()["versions"]] == [(1, "PendingManualApproval")]
    # WHEN it is approved
    approved = run("models", "approve", "churn-model", "1", "--note", "offline eval passed")
    # THEN the registry records the approval
    assert approved.code == 0, approved.err
    package = client("sagemaker").describe_model_package(ModelPackageName=model["arn"])
    assert package["ModelApprovalStatus"] == "Approved"
    assert "approved version 1" in approved.out
    # AND approving again changes nothing
    again = run("models", "approve", "churn-model", "1", "-o", "json")
    assert again.code == 0 and again.json()["changed"] is False


def test_approving_for_an_endpoint_that_serves_latest_approved_says_to_plan_next(run, org, aws):
    from .conftest import apply_in_moto

    # GIVEN an endpoint workspace in dev that serves latest-approved, with one version pending in its registry
    (org / "workspaces" / "ranker.yaml").write_text(
        "name: ranker\nblueprint: realtime-endpoint@1.1.0\nenvironment: dev\nowner: alice@example.com\n"
        "team: growth\ntags: {cost-center: cc-1}\nparameters:\n  serving:\n    model_package: latest-approved\n"
        "    variants:\n      - {name: primary, instance_type: ml.m5.large, initial_instance_count: 1, weight: 1}\n")
    applied = apply_in_moto(org, "ranker")
    client("sagemaker").create_model_package(
        ModelPackageGroupName=applied.names.model_package_group, ModelApprovalStatus="PendingManualApproval",
        InferenceSpecification={"Containers": [{"Image": applied.image}], "SupportedContentTypes": ["text/csv"],
                                "SupportedResponseMIMETypes": ["text/csv"]})
    # WHEN the version is approved
    result = run("models", "approve", "ranker", "1")
    # THEN the data scientist is told that the endpoint moves only with a plan and an apply
    assert result.code == 0, result.err
    assert "serving.model_package of ranker is latest-approved" in result.out
    assert result.out.rstrip().endswith("next: provision plan ranker")
    assert run("models", "approve", "ranker", "1", "-o", "json").json()["next"] == "provision plan ranker"


def test_models_list_is_readable_text(run, applied_churn: Applied):
    # GIVEN two registered versions, the first approved
    sagemaker = client("sagemaker")
    for _ in range(2):
        sagemaker.create_model_package(
            ModelPackageGroupName=applied_churn.names.model_package_group, ModelApprovalStatus="PendingManualApproval",
            InferenceSpecification={"Containers": [{"Image": applied_churn.image}], "SupportedContentTypes": ["text/csv"],
                                    "SupportedResponseMIMETypes": ["text/csv"]})
    assert run("models", "approve", "churn-model", "1").code == 0
    # WHEN listed as text
    result = run("models", "list", "churn-model")
    # THEN newest first, each with its approval status
    assert result.code == 0, result.err
    rows = [line.split() for line in result.out.splitlines() if line[:1].isdigit()]
    assert [(r[0], r[1]) for r in rows] == [("2", "PendingManualApproval"), ("1", "Approved")]


def test_fails_when_approving_a_version_that_does_not_exist(run, applied_churn: Applied):
    # GIVEN an empty registry  WHEN version 7 is approved  THEN it is invalid input naming how to see the versions
    result = run("models", "approve", "churn-model", "7")
    assert result.code == 2, result.err
    assert "has no version 7" in result.err and "provision models list churn-model" in result.err


def test_fails_when_credentials_are_for_another_account(run, aws: Any):
    # GIVEN fraud-detector in prod (account 222222222222) and credentials for moto's account
    # WHEN its registry is listed  THEN provision refuses (exit 1) and says which account it needs
    result = run("models", "list", "fraud-detector")
    assert result.code == 1, result.err
    assert f"credentials are for account {MOTO_ACCOUNT}" in result.err and "222222222222" in result.err


def test_follow_reports_each_transition_once_and_a_failed_job_fails(aws: Any):
    """moto completes every job at once, so a failing job is replayed with botocore's Stubber on a
    real sagemaker client: the responses are checked against the service model."""
    import datetime as dt

    from botocore.stub import Stubber

    from provisioner.ds.training import follow, outcome_error

    # GIVEN a job that is starting, then training, then fails
    sagemaker = client("sagemaker")
    at = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    base = {"TrainingJobName": "acme-churn-model-dev-train-1", "TrainingJobArn": f"arn:aws:sagemaker:{REGION}:"
            f"{MOTO_ACCOUNT}:training-job/acme-churn-model-dev-train-1", "ModelArtifacts": {"S3ModelArtifacts": ""},
            "AlgorithmSpecification": {"TrainingInputMode": "File"}, "ResourceConfig": {"VolumeSizeInGB": 30},
            "StoppingCondition": {}, "CreationTime": at}
    starting = {"Status": "Starting", "StartTime": at, "StatusMessage": "Preparing the instances for training"}
    training = {"Status": "Training", "StartTime": at, "StatusMessage": "Training image download completed"}
    failed = {"Status": "Failed", "StartTime": at, "StatusMessage": "Training job failed"}
    stubber = Stubber(sagemaker)
    for status, secondary, transitions, extra in (
        ("InProgress", "Starting", [starting], {}),
        ("InProgress", "Training", [starting, training], {}),
        ("Failed", "Failed", [starting, training, failed], {"FailureReason": "AlgorithmError: CUDA out of memory"}),
    ):
        stubber.add_response("describe_training_job", {**base, "TrainingJobStatus": status, "SecondaryStatus": secondary,
                                                       "SecondaryStatusTransitions": transitions, **extra},
                             {"TrainingJobName": "acme-churn-model-dev-train-1"})
    seen: list[str] = []
    sleeps: list[float] = []
    # WHEN it is followed
    with stubber:
        outcome = follow(sagemaker, "acme-churn-model-dev-train-1", poll_seconds=7, sleep=sleeps.append,
                         on_transition=lambda t: seen.append(t["Status"]))
    # THEN each transition is reported once, polling between reads, and the failure becomes exit 1 with the reason
    assert seen == ["Starting", "Training", "Failed"]
    assert sleeps == [7, 7]
    error = outcome_error(outcome)
    assert outcome.status == "Failed" and error.exit_code == 1
    assert "CUDA out of memory" in error.message and "acme-churn-model-dev-train-1" in error.hint


def test_no_wait_launches_and_returns_the_job_name(run, applied_churn: Applied):
    # GIVEN churn-model applied  WHEN a job is launched without following it
    result = run("train", "churn-model", "--image", applied_churn.image, "--no-wait")
    # THEN stdout is the job's name, and the job exists
    assert result.code == 0, result.err
    name = result.out.strip()
    assert name.startswith(applied_churn.names.training_job_prefix + "-")
    assert client("sagemaker").describe_training_job(TrainingJobName=name)["TrainingJobName"] == name
