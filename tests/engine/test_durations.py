"""Long-running resources (provisioner/engine/durations.py): the figures shown in plans and apply progress, and the
reason provision synthesizes no `timeouts` for them (the AWS provider's schema has none)."""

from __future__ import annotations

import importlib

import pytest

from provisioner.engine.durations import EXPECTED, expected
from provisioner.engine.summary import Change, PlanSummary

MODULES = {"aws_sagemaker_mlflow_tracking_server": "sagemaker_mlflow_tracking_server",
           "aws_sagemaker_endpoint": "sagemaker_endpoint", "aws_sagemaker_space": "sagemaker_space",
           "aws_sagemaker_user_profile": "sagemaker_user_profile", "aws_sagemaker_domain": "sagemaker_domain"}


@pytest.mark.synth
@pytest.mark.parametrize("resource_type", sorted(MODULES))
def test_the_provider_has_no_timeouts_block_for_the_long_running_sagemaker_resources(resource_type: str):
    # GIVEN the provider binding provision synthesizes with (generated from the AWS provider's schema)
    module = importlib.import_module(f"cdktn_provider_aws.{MODULES[resource_type]}")
    # WHEN its classes are listed  THEN none is a timeouts block: the provider's waits are fixed constants.
    # The day a release adds one, this fails: set the construct's `timeouts` from durations.EXPECTED then.
    assert [name for name in dir(module) if "Timeouts" in name] == []


@pytest.mark.synth
def test_the_same_search_finds_the_timeouts_block_of_a_resource_that_has_one():
    # GIVEN a SageMaker resource whose provider schema declares `timeouts` (training jobs)
    module = importlib.import_module("cdktn_provider_aws.sagemaker_training_job")
    # WHEN the same search runs  THEN it finds the block (the test above can fail)
    assert "SagemakerTrainingJobTimeouts" in dir(module)


def test_every_figure_names_its_source_and_the_provider_waits_at_least_the_reported_time():
    for resource_type, by_action in EXPECTED.items():
        for action, figure in by_action.items():
            # GIVEN each long-running figure  THEN it cites an issue or the provider source, and is consistent
            assert "terraform-provider-aws" in figure.source, (resource_type, action)
            assert figure.provider_wait_minutes >= figure.high_minutes, (resource_type, action)
            assert figure.low_minutes is None or figure.low_minutes < figure.high_minutes


def test_a_replacement_counts_as_a_create_and_unlisted_actions_are_not_long():
    # GIVEN an endpoint replaced, an endpoint deleted and a bucket created
    # WHEN their expected durations are asked  THEN only the replacement (a create) has one
    assert expected("aws_sagemaker_endpoint", "replace") == expected("aws_sagemaker_endpoint", "create") is not None
    assert expected("aws_sagemaker_endpoint", "delete") is None
    assert expected("aws_s3_bucket", "create") is None


def test_a_plan_names_its_long_running_changes_with_what_they_take(capsys):
    from provisioner.cli._terraform_output import render_summary

    # GIVEN a plan creating a tracking server and a bucket
    summary = PlanSummary(changes=(
        Change("aws_sagemaker_mlflow_tracking_server.tracking", "aws_sagemaker_mlflow_tracking_server", "create"),
        Change("aws_s3_bucket.data", "aws_s3_bucket", "create")))
    # WHEN it is shown
    render_summary(summary, title="Plan:")
    out = capsys.readouterr().out
    # THEN the tracking server is listed as long-running with AWS's reported time and the provider's wait
    assert "Long-running (do not interrupt; a re-run picks up where it stopped):" in out
    assert ("aws_sagemaker_mlflow_tracking_server.tracking (create): AWS takes 25-35 min; the provider waits up to "
            "45 min") in out
    assert "aws_s3_bucket.data (create): AWS" not in out
