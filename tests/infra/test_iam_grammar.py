"""IAM statements that AWS can honour: every synthesized policy judged against AWS's Service Authorization
Reference (tests/iam_reference.py). IAM accepts a statement that names a condition key its actions never
carry, or an action on a resource type it does not support, and then silently never applies it.

The synthesized configs are read from the snapshots, which tests/infra*/test_*snapshots.py keep equal to
what synth writes, so every blueprint is covered without starting jsii here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from iam_reference import condition_key_problems, policies_in, resource_type_problems

SNAPSHOTS = sorted(Path(__file__).resolve().parents[1].glob("infra*/snapshots/*.json"))


def _policies(snapshot: Path):
    return list(policies_in(json.loads(snapshot.read_text())))


def test_the_judge_catches_a_condition_key_an_action_never_carries():
    # GIVEN the MLflow role's old listing statement: GetBucketLocation under an s3:prefix condition
    document = {"Statement": [{"Sid": "ListMlflowArtifacts", "Effect": "Allow",
                               "Action": ["s3:ListBucket", "s3:GetBucketLocation"], "Resource": "arn:aws:s3:::b",
                               "Condition": {"StringLike": {"s3:prefix": ["mlflow", "mlflow/*"]}}}]}
    # THEN GetBucketLocation is named, ListBucket is not
    assert condition_key_problems(document) == [
        "ListMlflowArtifacts: s3:GetBucketLocation never carries condition key s3:prefix"]


def test_the_judge_catches_an_action_granted_on_a_resource_type_it_does_not_support():
    # GIVEN sagemaker-mlflow:* granted on a tracking server's ARN only
    server = "arn:aws:sagemaker:eu-west-1:111111111111:mlflow-tracking-server/x"
    document = {"Statement": [{"Sid": "UseMlflow", "Effect": "Allow", "Action": "sagemaker-mlflow:*",
                               "Resource": server}]}
    # THEN AccessUI (no resource type) is named; granted on "*" in its own statement, nothing is
    assert resource_type_problems(document) == [
        'UseMlflow: sagemaker-mlflow:AccessUI supports no resource type, so granting it on specific '
        'resources grants nothing; grant it on "*"']
    document["Statement"].append({"Sid": "OpenMlflowUi", "Effect": "Allow", "Action": "sagemaker-mlflow:AccessUI",
                                  "Resource": "*"})
    assert resource_type_problems(document) == []


@pytest.mark.parametrize("snapshot", SNAPSHOTS, ids=lambda p: f"{p.parent.parent.name}/{p.stem}")
def test_no_statement_names_a_condition_key_its_actions_never_carry(snapshot: Path):
    # GIVEN every IAM policy document of a synthesized workspace (roles, managed policies, key and bucket policies)
    # WHEN each statement's condition keys are checked against its actions
    problems = {address: found for address, document in _policies(snapshot)
                if (found := condition_key_problems(document))}
    # THEN every condition can match
    assert problems == {}


@pytest.mark.parametrize("snapshot", SNAPSHOTS, ids=lambda p: f"{p.parent.parent.name}/{p.stem}")
def test_no_action_is_granted_only_on_resources_it_cannot_be_granted_on(snapshot: Path):
    # GIVEN every IAM policy document of a synthesized workspace
    # WHEN each action is checked against the resource types AWS authorizes it on
    problems = {address: found for address, document in _policies(snapshot)
                if (found := resource_type_problems(document))}
    # THEN every action granted is granted where it can take effect (AccessUI of MLflow only on "*")
    assert problems == {}
