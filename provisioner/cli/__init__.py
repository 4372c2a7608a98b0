"""The command line: one typer module per command group, and nothing else.

`main.py` assembles the app and maps every known error to its message and exit code (`_errors.py`);
`_context.py` finds the org and loads specs for a command; `_output.py` prints (rich on a terminal,
plain in CI, `--output json`). Commands parse arguments, ask and print; the work happens in the packages
below, which never import this one (tests/test_architecture.py).
"""
