"""Light commands must not import the heavy stacks (jsii/cdktn, boto3, sagemaker): they start in a blink."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("jsii", "cdktn", "cdktn_provider_aws", "boto3", "botocore", "sagemaker")
PROBE = """
import sys
from provisioner.cli.main import cli
code = cli(sys.argv[1:])
heavy = sorted({m.split('.')[0] for m in sys.modules} & set(%r))
print('HEAVY=' + ','.join(heavy))
sys.exit(code)
""" % (HEAVY,)


@pytest.mark.parametrize("argv", [["--help"], ["blueprints", "list"], ["validate"], ["blueprints", "show", "full-mlops"],
                                  ["sandbox", "coverage"]])
def test_light_commands_do_not_import_heavy_modules(argv: list[str]):
    # GIVEN the example org  WHEN a light command runs in a fresh interpreter
    result = subprocess.run([sys.executable, "-c", PROBE, *argv], cwd=ROOT / "examples" / "acme",
                            capture_output=True, text=True, timeout=120)
    # THEN it succeeds without importing any heavy module
    assert result.returncode == 0, result.stderr
    assert "HEAVY=\n" in result.stdout or result.stdout.rstrip().endswith("HEAVY="), result.stdout[-300:]
