"""Blueprint READMEs are generated from the blueprints (`python -m provisioner.catalog.docs`) and current."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from provisioner.catalog.docs import GENERATED, generate

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = ("realtime-endpoint", "full-mlops")


def test_serving_blueprints_have_a_readme():
    # GIVEN the serving blueprints THEN each has a README
    for name in REQUIRED:
        assert (ROOT / "blueprints" / name / "README.md").is_file(), f"run python -m provisioner.catalog.docs ({name})"


def test_committed_readmes_are_current():
    # GIVEN the blueprints as they are now
    pages = generate(ROOT / "blueprints", ROOT / "examples" / "acme" / "workspaces")
    # WHEN compared with every committed README
    stale = [str(path.relative_to(ROOT)) for path, text in pages.items()
             if path.is_file() and path.read_text() != text]
    # THEN none is stale (refresh with `python -m provisioner.catalog.docs`)
    assert not stale, f"stale: {stale}; run python -m provisioner.catalog.docs"


def test_readme_lists_every_parameter_and_the_example_workspace():
    # GIVEN the realtime-endpoint README
    text = (ROOT / "blueprints" / "realtime-endpoint" / "README.md").read_text()
    # THEN it is generated, lists the parameters and shows the example workspace
    assert GENERATED in text
    for parameter in ("serving.variants", "serving.shadow_variant", "serving.data_capture_percentage",
                      "monitoring.schedule", "monitoring.baseline_prefix"):
        assert f"| `{parameter}` |" in text
    assert "examples/acme/workspaces/churn-serving.yaml" in text and "name: churn-serving" in text


@pytest.mark.synth
@pytest.mark.parametrize("name", REQUIRED)
def test_readme_commands_run(name, acme, monkeypatch, capsys):
    """The README's ```sh commands run, in order, in a copy of the example org (synth included)."""
    from provisioner.cli.main import cli

    monkeypatch.chdir(acme)
    monkeypatch.delenv("PROVISION_ORG", raising=False)
    text = (ROOT / "blueprints" / name / "README.md").read_text()
    lines = [line for block in re.findall(r"```sh\n(.*?)```", text, re.S) for line in block.splitlines()
             if line.startswith("provision ")]
    assert lines
    for line in lines:
        # WHEN each command runs
        code = cli(shlex.split(line)[1:])
        # THEN it succeeds
        assert code == 0, f"`{line}` exited {code}:\n{capsys.readouterr().err}"
