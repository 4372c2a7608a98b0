"""The cloud commands import boto3 only when they run, never for help."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import sys
from provisioner.cli.main import cli
import provisioner.cloud, provisioner.cloud.preflight, provisioner.cloud.inventory, provisioner.cloud.status
code = cli(sys.argv[1:])
print('HEAVY=' + ','.join(sorted({m.split('.')[0] for m in sys.modules} & {'boto3', 'botocore'})))
sys.exit(code)
"""


def test_help_of_the_cloud_commands_does_not_import_boto3():
    # GIVEN a fresh interpreter that imports the cloud package  WHEN `provision preflight --help` runs
    result = subprocess.run([sys.executable, "-c", PROBE, "preflight", "--help"], cwd=ROOT / "examples" / "acme",
                            capture_output=True, text=True, timeout=120)
    # THEN it succeeds and neither boto3 nor botocore was imported
    assert result.returncode == 0, result.stderr
    assert result.stdout.rstrip().endswith("HEAVY="), result.stdout[-300:]
