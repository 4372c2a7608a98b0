"""The lines `apply` and `destroy` print while Terraform works (ApplyProgress, fed Terraform's JSON events)."""

from __future__ import annotations

import pytest

from provisioner.cli._terraform_output import ApplyProgress


@pytest.mark.parametrize(("action", "said"), [("create", "still creating"), ("delete", "still destroying"),
                                              ("update", "still updating")])
def test_a_long_step_says_what_it_is_still_doing_in_plain_english(capsys, action: str, said: str):
    # GIVEN an apply with one resource taking long
    progress = ApplyProgress(total=1)
    # WHEN Terraform reports progress on it
    progress({"type": "apply_progress", "hook": {"resource": {"addr": "aws_s3_bucket.data"}, "action": action,
                                                  "elapsed_seconds": 30}})
    # THEN the line names the action as a word people use
    assert f"{said} aws_s3_bucket.data (30s)" in capsys.readouterr().err


def test_a_long_running_resource_shows_elapsed_time_against_what_aws_takes(capsys):
    # GIVEN an apply creating a managed MLflow tracking server (AWS: 25-35 min, terraform-provider-aws#41436)
    progress = ApplyProgress(total=2)
    hook = {"resource": {"addr": "aws_sagemaker_mlflow_tracking_server.tracking",
                         "resource_type": "aws_sagemaker_mlflow_tracking_server"}, "action": "create"}
    # WHEN Terraform starts it and reports progress 20 minutes in
    progress({"type": "apply_start", "hook": hook})
    progress({"type": "apply_progress", "hook": {**hook, "elapsed_seconds": 1205}})
    err = capsys.readouterr().err
    # THEN the start names the expected duration and the provider's wait, and progress the elapsed time against it
    assert "AWS takes 25-35 min; the provider waits up to 45 min" in err
    assert "still creating aws_sagemaker_mlflow_tracking_server.tracking (20m05s of 25-35 min expected)" in err


def test_an_ordinary_resource_keeps_its_plain_progress(capsys):
    # GIVEN an apply creating a bucket (no long-running figure)
    progress = ApplyProgress(total=1)
    hook = {"resource": {"addr": "aws_s3_bucket.data", "resource_type": "aws_s3_bucket"}, "action": "create"}
    # WHEN Terraform starts it and reports progress
    progress({"type": "apply_start", "hook": hook})
    progress({"type": "apply_progress", "hook": {**hook, "elapsed_seconds": 30}})
    err = capsys.readouterr().err
    # THEN no expected duration is claimed
    assert "still creating aws_s3_bucket.data (30s)" in err and "expected" not in err and "AWS takes" not in err


def test_an_endpoint_update_shows_its_upper_figure_and_a_delete_of_it_is_not_claimed_long(capsys):
    progress = ApplyProgress(total=2)
    # GIVEN an endpoint update (AWS: up to 60 min, terraform-provider-aws#39090) and an endpoint delete (no figure)
    update = {"resource": {"addr": "aws_sagemaker_endpoint.serving"}, "action": "update", "elapsed_seconds": 90}
    delete = {"resource": {"addr": "aws_sagemaker_endpoint.old"}, "action": "delete", "elapsed_seconds": 90}
    # WHEN Terraform reports progress on both
    progress({"type": "apply_progress", "hook": update})
    progress({"type": "apply_progress", "hook": delete})
    err = capsys.readouterr().err
    # THEN the update is measured against "up to 60 min", the delete is plain
    assert "still updating aws_sagemaker_endpoint.serving (1m30s of up to 60 min expected)" in err
    assert "still destroying aws_sagemaker_endpoint.old (90s)" in err
