"""One voice for errors: whoever finds the problem (provision, or click parsing the command line), the user
reads `error: ...` lines, never click's `Error:` block or its `Aborted!`."""

from __future__ import annotations

import io

import pytest


@pytest.mark.parametrize(("args", "line"), [
    (["blueprint", "list"],
     "error: <command line>: COMMAND: no such command 'blueprint'; did you mean 'blueprints'? "
     "(see `provision --help`)"),
    (["request", "vision-lab", "--bluprint", "gpu-training"],
     "error: <command line>: --bluprint: no such option; did you mean '--blueprint'? "
     "(see `provision request --help`)"),
    (["request"], "error: <command line>: NAME: missing; give NAME (see `provision request --help`)"),
    (["validate", "--output", "xml"],
     "error: <command line>: --output: 'xml' is not one of 'text', 'json'; see `provision validate --help`"),
    (["sandbox", "strt"],
     "error: <command line>: COMMAND: no such command 'strt'; did you mean 'start'? "
     "(see `provision sandbox --help`)"),
])
def test_fails_when_the_command_line_is_wrong_with_one_error_line_and_exit_2(run, args: list[str], line: str):
    # WHEN the command line has a typo or misses something
    result = run(*args)
    # THEN exit 2, and one line in the house style: no usage block, no click `Error:`
    assert result.code == 2
    assert result.err.splitlines() == [line]
    assert result.out == ""


def test_a_group_without_a_command_shows_its_help(run):
    # WHEN a command group is given nothing
    result = run("models")
    # THEN its help is shown (click's usage), and no error line
    assert "Usage: provision models" in result.err and "approve" in result.err
    assert result.error_lines == []


def test_an_unanswered_question_is_an_error_line_not_aborted(run, monkeypatch: pytest.MonkeyPatch):
    # GIVEN no input to answer with (CI without --yes)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    # WHEN a command asks before acting
    result = run("unlock", "sandbox-trial", "0b7c3f5e-lock")
    # THEN the user reads why nothing happened, in our voice, exit 1
    assert result.code == 1
    assert "Aborted!" not in result.err
    assert "no answer (end of input); pass --yes" in result.err
    assert result.error_lines == ["error: unlock of sandbox-trial cancelled; the lock is still held"]


def test_a_question_aborted_anywhere_ends_in_an_error_line(capsys: pytest.CaptureFixture[str]):
    import typer

    from provisioner.cli._errors import run

    # GIVEN a command whose prompt was cut off (typer raises Abort, click would print `Aborted!`)
    def command() -> None:
        raise typer.Abort()

    # WHEN it runs through the one error path
    code = run(command)
    # THEN one `error:` line with the way out, exit 1
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("error: stopped: a question got no answer") and "Aborted!" not in err
