"""One Terraform working folder (a synthesized stack): the engine commands provision runs in it.

Every command runs through the same `Runner`, fails fast on a held lock
(`-lock-timeout=0s`), never prompts (`-input=false`), and leaves its full
output in `<log_dir>/<step>.log` for the error message to point at.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from provisioner.engine.diagnostics import diagnostics_text, translate
from provisioner.engine.runner import EventCallback, RunResult, Runner
from provisioner.errors import OperationFailed

_INIT_LOCK = threading.Lock()


@contextmanager
def _one_init_at_a_time(plugin_cache: Path) -> Iterator[None]:
    """Terraform's plugin cache is not safe for concurrent inits: one at a time per process (fleet plans run
    `--jobs` in threads) and per plugin cache (two `provision` runs on one machine share it)."""
    plugin_cache.mkdir(parents=True, exist_ok=True)
    with _INIT_LOCK, open(plugin_cache / ".provision-init.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)

INIT_MARKER = "provision-init.sha256"
# Written only under PROVISION_AWS_PROVIDER=cache: Terraform merges `*_override.tf.json` into the config,
# so the pinned AWS provider version changes without touching the synthesized (and reviewed) cdk.tf.json.
AWS_OVERRIDE_FILE = "provision_aws_provider_override.tf.json"
# Terraform's ways of saying the working folder needs `init` first.
_NEEDS_INIT = ("terraform init", "Required plugins are not installed", "Backend initialization required",
               "Inconsistent dependency lock file", "Module not installed", "missing or corrupted provider plugins")


class Workdir:
    def __init__(self, runner: Runner, stack_dir: Path, *, workspace: str, log_dir: Path | None = None,
                 env: Mapping[str, str | None] | None = None) -> None:
        self.runner = runner
        self.env = dict(env or {})  # the workspace's own variables (a local cloud's endpoint and identity)
        self.stack_dir = Path(stack_dir).resolve()
        self.workspace = workspace
        self.log_dir = log_dir

    @property
    def config_path(self) -> Path:
        return self.stack_dir / "cdk.tf.json"

    def config(self) -> dict[str, Any]:
        try:
            return json.loads(self.config_path.read_text())
        except (OSError, ValueError) as exc:
            raise OperationFailed(f"workspace {self.workspace}: cannot read its synthesized config {self.config_path} ({exc})",
                                  f"run `provision synth {self.workspace}`") from None

    # -- plumbing ---------------------------------------------------------------------------------

    def _log(self, step: str, result: RunResult, keep_stdout: bool) -> Path | None:
        if self.log_dir is None:
            return None
        self.log_dir.mkdir(parents=True, exist_ok=True)
        path = self.log_dir / f"{step}.log"
        stdout = result.stdout if keep_stdout else "(not kept: it holds state values, which may be sensitive)\n"
        path.write_text(f"$ {self.runner.engine.kind} {' '.join(result.args)}  (exit {result.code}, "
                        f"{result.seconds:.1f}s)\n--- stdout\n{stdout}\n--- stderr\n{result.stderr}")
        path.chmod(0o600)
        return path

    def run(self, step: str, args: list[str], *, json_events: bool = False, on_event: EventCallback | None = None,
            ok_codes: tuple[int, ...] = (0,), raise_on_error: bool = True, keep_stdout: bool = True,
            **kwargs: Any) -> RunResult:
        result = self.runner.run(args, self.stack_dir, json_events=json_events, on_event=on_event, env=self.env,
                                 **kwargs)
        if step != "init" and self._needs_init(result):
            # The working folder was not as current as its marker said (a cleared plugin cache, say), or a
            # concurrent `init` of another workspace was re-linking the shared plugin cache's entry while this
            # command looked for it: initialize (one init at a time) and run the command once more. Nothing
            # ran: Terraform stopped at the start.
            self.init(force=True)
            result = self.runner.run(args, self.stack_dir, json_events=json_events, on_event=on_event,
                                     env=self.env, **kwargs)
        log = self._log(step, result, keep_stdout or not result.ok)
        if raise_on_error and (result.code not in ok_codes or result.interrupted):
            raise translate(result, workspace=self.workspace, step=step, stack_dir=self.stack_dir, log=log)
        return result

    # -- commands ---------------------------------------------------------------------------------

    def _write_aws_override(self) -> None:
        """Pin the AWS provider to the cached build's version when the CLI config says so; else no override."""
        path = self.stack_dir / AWS_OVERRIDE_FILE
        version = self.runner.cli_config.aws_override
        if version is None:
            path.unlink(missing_ok=True)
            return
        text = json.dumps({"terraform": {"required_providers": {"aws": {"source": "hashicorp/aws", "version": version}}}},
                          indent=2) + "\n"
        if not path.is_file() or path.read_text() != text:
            path.write_text(text)

    def _init_key(self) -> str:
        """What `init` depends on: the terraform block (backend, providers), modules, engine, CLI config, lock file."""
        config = self.config()
        digest = hashlib.sha256()
        digest.update(json.dumps({"terraform": config.get("terraform"), "module": config.get("module"),
                                  "engine": self.runner.engine.to_dict()}, sort_keys=True).encode())
        for path in (self.runner.cli_config.path, self.stack_dir / ".terraform.lock.hcl",
                     self.stack_dir / AWS_OVERRIDE_FILE):
            digest.update(path.read_bytes() if path.is_file() else b"-")
        return digest.hexdigest()

    def _needs_init(self, result: RunResult) -> bool:
        if result.ok or result.interrupted or any(e.get("type") == "apply_complete" for e in result.events):
            return False
        text = " ".join((diagnostics_text(result)).split())
        return any(marker in text for marker in _NEEDS_INIT)

    def init(self, *, force: bool = False) -> RunResult | None:
        """`init` with the stack's backend; providers come from the plugin cache or a mirror.

        Skipped when the folder was initialized for exactly this terraform block, engine, CLI config and
        lock file (a marker in `.terraform/`); a command that then finds init missing triggers it anyway.
        """
        if not self.config_path.is_file():
            raise OperationFailed(f"workspace {self.workspace}: no synthesized config at {self.config_path}",
                                  f"run `provision synth {self.workspace}`")
        self._write_aws_override()
        marker = self.stack_dir / ".terraform" / INIT_MARKER
        key = self._init_key()
        if not force and marker.is_file() and marker.read_text().strip() == key:
            return None
        marker.unlink(missing_ok=True)
        with _one_init_at_a_time(self.runner.cli_config.plugin_cache):
            result = self.run("init", ["init", "-input=false", "-no-color"])
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(self._init_key() + "\n")  # the lock file may have been written by this init
        return result

    def plan(self, out: Path, *, destroy: bool = False, targets: list[str] | None = None,
             on_event: EventCallback | None = None) -> RunResult:
        """`plan -out`; exit 0 (no changes) and 2 (changes) are both success."""
        args = ["plan", "-input=false", "-json", "-lock-timeout=0s", "-detailed-exitcode", f"-out={out}"]
        if destroy:
            args.append("-destroy")
        args += [f"-target={target}" for target in targets or []]
        return self.run("plan", args, json_events=True, on_event=on_event, ok_codes=(0, 2))

    def show_plan(self, plan_file: Path) -> dict[str, Any]:
        result = self.run("show", ["show", "-json", "-no-color", str(plan_file)], keep_stdout=False)
        try:
            return json.loads(result.stdout)
        except ValueError:
            raise OperationFailed(f"workspace {self.workspace}: `show -json` did not return JSON",
                                  "check that the engine is Terraform/OpenTofu 1.10+ (`provision doctor`)") from None

    def apply(self, plan_file: Path, *, on_event: EventCallback | None = None, **kwargs: Any) -> RunResult:
        """`apply` of a saved plan. Returns the run, failed or not: the caller reports what was applied."""
        args = ["apply", "-input=false", "-json", "-lock-timeout=0s", str(plan_file)]
        return self.run("apply", args, json_events=True, on_event=on_event, raise_on_error=False, **kwargs)

    def state_pull(self) -> dict[str, Any] | None:
        """The current state (no lock taken), or None when the workspace has none yet."""
        result = self.run("state-pull", ["state", "pull"], keep_stdout=False)
        text = result.stdout.strip()
        if not text:
            return None
        try:
            return json.loads(text)
        except ValueError:
            raise OperationFailed(f"workspace {self.workspace}: `state pull` did not return JSON",
                                  f"inspect the state with the engine in {self.stack_dir}") from None

    def force_unlock(self, lock_id: str) -> RunResult:
        return self.run("force-unlock", ["force-unlock", "-force", "-no-color", lock_id])

    def errored_state(self) -> Path | None:
        """`errored.tfstate`: what Terraform wrote when it could not save the state to the backend."""
        path = self.stack_dir / "errored.tfstate"
        return path if path.is_file() else None


def state_identity(state: dict[str, Any] | None) -> dict[str, Any]:
    """Serial and lineage of a state (an empty workspace has serial 0 and no lineage)."""
    if not state:
        return {"serial": 0, "lineage": ""}
    return {"serial": int(state.get("serial", 0)), "lineage": str(state.get("lineage", ""))}


def managed_addresses(state: dict[str, Any] | None) -> list[str]:
    """Addresses of the managed resources in a state (`module.x.type.name`)."""
    found = []
    for resource in (state or {}).get("resources", []):
        if resource.get("mode") != "managed":
            continue
        prefix = f"{resource['module']}." if resource.get("module") else ""
        found.append(f"{prefix}{resource['type']}.{resource['name']}")
    return found

