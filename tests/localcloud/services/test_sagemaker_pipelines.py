"""services/sagemaker_pipelines.py: a missing pipeline answered as AWS answers it, through boto3.

Every call goes to the session's moto server with the extensions installed (conftest.py), and every answer
checked with `call` is checked against the botocore output shape (roundtrip.py).
"""

from __future__ import annotations

import json

import pytest

from .roundtrip import ROLE

pytestmark = pytest.mark.moto


def test_a_pipeline_that_does_not_exist_is_resource_not_found_as_aws_answers(client):
    sm = client("sagemaker")
    sm.create_pipeline(PipelineName="churn-monitoring", RoleArn=ROLE, ClientRequestToken="t" * 32,
                       PipelineDefinition=json.dumps({"Version": "2020-12-01", "Steps": []}))
    # GIVEN a pipeline, deleted once
    sm.delete_pipeline(PipelineName="churn-monitoring", ClientRequestToken="u" * 32)
    # WHEN it is described or deleted again (the provider's SDK retries a delete whose answer was lost)
    # THEN both answer ResourceNotFound, which the provider reads as "already gone"
    for again in (lambda: sm.describe_pipeline(PipelineName="churn-monitoring"),
                  lambda: sm.delete_pipeline(PipelineName="churn-monitoring", ClientRequestToken="v" * 32)):
        with pytest.raises(sm.exceptions.ResourceNotFound):
            again()
