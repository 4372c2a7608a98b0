"""Starts the engine as a subprocess: one code path for terraform, tofu and the embedded engine.

- Output is read line by line as the engine writes it and handed to callbacks
  (with `-json`, each stdout line is one event), and kept for error reports.
- The engine runs in its own session, so a Ctrl-C in the terminal reaches
  provision only. provision forwards it to the engine **once** (Terraform then
  stops gracefully, writes the state and releases the lock); further Ctrl-Cs
  are not forwarded, because a second interrupt makes Terraform exit at once
  and can lose state. SIGTERM is treated like Ctrl-C.
- The engine's exit code is returned as is; mapping it to provision's exit
  codes is the caller's job (Terraform's 2 means "changes present" with
  `-detailed-exitcode`, and provision keeps 2 for invalid input).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from provisioner.engine.cliconfig import CliConfig
from provisioner.engine.discovery import Engine

LineCallback = Callable[[str], None]
EventCallback = Callable[[dict[str, Any]], None]


@dataclass
class RunResult:
    args: list[str]
    code: int
    stdout: str
    stderr: str
    events: list[dict[str, Any]] = field(default_factory=list)
    interrupted: bool = False
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.code == 0

    def diagnostics(self, severity: str | None = None) -> list[dict[str, Any]]:
        found = [e["diagnostic"] for e in self.events if e.get("type") == "diagnostic" and "diagnostic" in e]
        return [d for d in found if severity is None or d.get("severity") == severity]


class _Interrupts:
    """Forwards the first SIGINT/SIGTERM to the running engine; tells the user about the rest."""

    def __init__(self) -> None:
        self.process: subprocess.Popen | None = None
        self.count = 0
        self.forwarded = False
        self.on_interrupt: Callable[[int], None] | None = None

    def forward(self) -> None:
        """Send SIGINT to the engine, once, if it is running and an interrupt arrived."""
        process = self.process
        if self.count and not self.forwarded and process is not None and process.poll() is None:
            self.forwarded = True
            try:
                process.send_signal(signal.SIGINT)
            except ProcessLookupError:
                pass

    def handler(self, signum: int, frame: Any) -> None:  # noqa: ARG002 - signal API
        self.count += 1
        self.forward()
        if self.on_interrupt is not None:
            self.on_interrupt(self.count)


@contextmanager
def _forward_signals(interrupts: _Interrupts) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread; the engine then gets none
        return
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in previous:
        signal.signal(sig, interrupts.handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


class Runner:
    """Runs engine commands in a working folder with provision's CLI config and environment."""

    def __init__(self, engine: Engine, cli_config: CliConfig, extra_env: Mapping[str, str] | None = None) -> None:
        self.engine = engine
        self.cli_config = cli_config
        self.extra_env = dict(extra_env or {})
        self.on_interrupt: Callable[[int], None] | None = None

    def env(self, changes: Mapping[str, str | None] | None = None) -> dict[str, str]:
        """The engine's environment; `changes` (one workspace's, e.g. a local cloud's) set or remove (None)."""
        env = {**os.environ, **self.cli_config.env(), **self.extra_env}
        for key, value in (changes or {}).items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        return env

    def run(
        self,
        args: list[str],
        cwd: Path,
        *,
        json_events: bool = False,
        on_event: EventCallback | None = None,
        on_line: LineCallback | None = None,
        on_start: Callable[[subprocess.Popen], None] | None = None,
        env: Mapping[str, str | None] | None = None,
    ) -> RunResult:
        """Run `engine args...` in `cwd`, streaming stdout lines (or `-json` events) to the callbacks.

        `env`: variables this run sets or removes (None), on top of `env()`."""
        started = time.monotonic()
        interrupts = _Interrupts()
        interrupts.on_interrupt = self.on_interrupt
        stdout: list[str] = []
        stderr: list[str] = []
        events: list[dict[str, Any]] = []
        callback_errors: list[BaseException] = []

        def deliver(callback: Callable[[Any], None], value: Any) -> None:
            # A failing callback must not stop the draining of the pipe (the engine would block on a full pipe).
            if callback_errors:
                return
            try:
                callback(value)
            except Exception as exc:  # noqa: BLE001 - re-raised once the engine has finished
                callback_errors.append(exc)

        def pump_stdout(stream) -> None:
            for line in stream:
                stdout.append(line)
                if json_events:
                    try:
                        event = json.loads(line)
                    except ValueError:
                        event = None
                    if isinstance(event, dict):
                        events.append(event)
                        if on_event is not None:
                            deliver(on_event, event)
                        continue
                if on_line is not None:
                    deliver(on_line, line.rstrip("\n"))

        def pump_stderr(stream) -> None:
            for line in stream:
                stderr.append(line)

        with _forward_signals(interrupts):
            process = subprocess.Popen(
                [*self.engine.command, *args], cwd=str(cwd), env=self.env(env), stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8", errors="replace",
                bufsize=1, start_new_session=True,
            )
            interrupts.process = process
            interrupts.forward()  # a Ctrl-C that came while the engine was starting
            readers = [threading.Thread(target=pump_stdout, args=(process.stdout,), daemon=True),
                       threading.Thread(target=pump_stderr, args=(process.stderr,), daemon=True)]
            for reader in readers:
                reader.start()
            if on_start is not None:
                on_start(process)
            code = process.wait()
            for reader in readers:
                reader.join()
        if callback_errors:
            raise callback_errors[0]
        return RunResult(list(args), code, "".join(stdout), "".join(stderr), events,
                         interrupted=interrupts.count > 0, seconds=time.monotonic() - started)
