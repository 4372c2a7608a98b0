"""IAM statements that AWS can honour: every synthesized policy judged against AWS's Service Authorization
Reference (tests/iam_reference.py). IAM accepts a statement that names a condition key its actions never
carry, or an action on a resource type it does not support, and then silently never applies it.

This folder judges the workspaces it synthesizes; tests/infra_serving/test_serving_iam_grammar.py judges
those synthesized there, so every blueprint version is covered by what synth writes now.
"""

from __future__ import annotations

from iam_reference import condition_key_problems, grammar_problems, resource_type_problems, star_resource_problems


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


def test_the_judge_catches_a_restrictable_action_granted_on_star():
    # GIVEN the registry's old listing statement, found when the AWS provider planned a served workspace twice
    # and checkov's CKV_AWS_355 blocked the second apply (the policy is only known from the second plan on)
    document = {"Statement": [{"Sid": "ListModelPackages", "Effect": "Allow",
                               "Action": ["sagemaker:ListModelPackages", "sagemaker:ListModelPackageGroups"],
                               "Resource": "*"}]}
    # THEN ListModelPackages (resource type model-package) is named; ListModelPackageGroups (none) is not
    assert star_resource_problems(document) == [
        'ListModelPackages: sagemaker:ListModelPackages supports resource types but is granted on "*"; name its '
        'resources (CKV_AWS_355)']


def test_every_synthesized_statement_can_take_effect(configs):
    # GIVEN every IAM policy document of the workspaces synthesized here (roles, managed policies, key and
    # bucket policies)
    # WHEN each statement's condition keys and resources are checked against its actions
    # THEN every condition can match and every action is granted where it can take effect
    assert grammar_problems(configs) == {}
