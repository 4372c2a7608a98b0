"""Runs the real `provision` CLI in a subprocess, with the null-provider synth in place of the CDK layer.

    python tests/engine/engine_cli_driver.py apply lab --yes

Used where a test needs a process of its own: sending Ctrl-C (SIGINT) to
provision, as a terminal does, and watching it forward the interrupt to
Terraform. The AWS provider cannot be downloaded here, hence the null synth.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import provisioner.synthesis.synth  # noqa: E402
from engine_support import null_synthesize  # noqa: E402

provisioner.synthesis.synth.synthesize = null_synthesize

from provisioner.cli.main import cli  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(cli(sys.argv[1:]))
