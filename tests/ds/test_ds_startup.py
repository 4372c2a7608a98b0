"""The data scientist's commands import the SDK (and boto3) only when they are about to use them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("jsii", "cdktn", "cdktn_provider_aws", "boto3", "botocore", "sagemaker")
PROBE = """
import sys
from provisioner.cli.main import cli
code = cli(sys.argv[1:])
heavy = sorted({m.split('.')[0] for m in sys.modules} & set(%r))
print('HEAVY=' + ','.join(heavy))
sys.exit(code)
""" % (HEAVY,)
IMAGE = "111111111111.dkr.ecr.eu-west-1.amazonaws.com/acme-churn-model-dev-images:1"


@pytest.mark.parametrize("argv, code", [
    (["--help"], 0),
    (["train", "--help"], 0),
    (["models", "list", "--help"], 0),
    (["train", "churn-model", "--image", IMAGE, "--spot", "--dry-run"], 0),
    (["train", "churn-model", "--image", IMAGE, "--instance-type", "ml.p4d.24xlarge"], 2),  # outside the guardrails
    (["endpoint", "weights", "recsys-ab", "champion=90", "challenger=10"], 0),
])
def test_commands_that_call_no_aws_import_no_heavy_module(acme: Path, argv: list[str], code: int):
    # GIVEN a copy of the example org  WHEN a command runs that needs neither AWS nor the SDK
    result = subprocess.run([sys.executable, "-c", PROBE, *argv], cwd=acme, capture_output=True, text=True,
                            timeout=120)
    # THEN it ends as expected without importing boto3, the SageMaker SDK or jsii
    assert result.returncode == code, result.stderr
    assert result.stdout.rstrip().endswith("HEAVY="), result.stdout[-300:]
