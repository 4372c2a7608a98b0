"""Terraform's failures, turned into one-line errors that say what happened and what to do.

Terraform reports errors as diagnostics: JSON events with `-json`, text on
stderr otherwise. Known ones (a held state lock, a stale saved plan, a
provider that cannot be downloaded, a missing state bucket, a protected
resource in the way) get their own error class and hint; anything else is
reported with Terraform's own summary and the path of the full log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from provisioner.engine.runner import RunResult
from provisioner.errors import OperationFailed, PolicyBlocked, ProvisionError

_LOCK_FIELD = re.compile(r"^\s*(ID|Path|Operation|Who|Version|Created|Info):[ \t]*(.*)$", re.MULTILINE)
_PROVIDER = re.compile(r"provider\s+((?:[\w.-]+/)?[\w.-]+/[\w.-]+)")
_NETWORK = ("could not connect", "no such host", "dial tcp", "i/o timeout", "connection refused",
            "tls handshake", "network is unreachable", "failed to request discovery document")


class EngineInterrupted(ProvisionError):
    """The run was stopped by Ctrl-C (exit 130, the shell's convention for SIGINT)."""

    exit_code = 130


@dataclass(frozen=True)
class LockInfo:
    id: str
    path: str = ""
    operation: str = ""
    who: str = ""
    version: str = ""
    created: str = ""

    @property
    def operation_name(self) -> str:
        return self.operation.removeprefix("OperationType").lower() or "an operation"


class StateLocked(OperationFailed):
    def __init__(self, workspace: str, lock: LockInfo) -> None:
        self.lock = lock
        since = f" since {lock.created.split('.')[0]}" if lock.created else ""
        super().__init__(
            f"workspace {workspace}: the state is locked by {lock.who or 'someone'} "
            f"({lock.operation_name}{since}, Terraform {lock.version or '?'}, lock ID {lock.id}, {lock.path})",
            f"wait for that run to finish and try again; if it died, release the lock with "
            f"`provision unlock {workspace} {lock.id}`",
        )


class PlanStale(OperationFailed):
    pass


class ProviderUnavailable(OperationFailed):
    def __init__(self, message: str, hint: str, providers: list[str]) -> None:
        super().__init__(message, hint)
        self.providers = providers


def diagnostics_text(result: RunResult) -> str:
    """Every error Terraform reported, as plain text (from `-json` events, else stderr and stdout)."""
    parts = [f"{d.get('summary', '')}\n{d.get('detail', '')}" for d in result.diagnostics("error")]
    if parts:
        return "\n\n".join(parts)
    return (result.stderr or "") + "\n" + (result.stdout if not result.events else "")


def _flat(text: str) -> str:
    return " ".join(text.split())


def lock_info(text: str) -> LockInfo | None:
    if "Error acquiring the state lock" not in text and "Lock Info:" not in text:
        return None
    fields = {key.lower(): value.strip() for key, value in _LOCK_FIELD.findall(text.split("Lock Info:", 1)[-1])}
    if not fields.get("id"):
        return None
    return LockInfo(fields["id"], fields.get("path", ""), fields.get("operation", ""), fields.get("who", ""),
                    fields.get("version", ""), fields.get("created", ""))


def first_error(text: str) -> str:
    """Terraform's first error summary (and the first sentence of its detail), on one line."""
    lines = [line.strip() for line in text.strip().splitlines()]
    lines = [line.removeprefix("Error: ").removeprefix("│ Error: ").strip("│ ") for line in lines]
    lines = [line for line in lines if line]
    if not lines:
        return "no error message"
    summary = lines[0]
    detail = lines[1] if len(lines) > 1 else ""
    return f"{summary}: {detail}" if detail and len(summary) + len(detail) < 240 else summary


def translate(result: RunResult, *, workspace: str, step: str, stack_dir: Path, log: Path | None = None) -> ProvisionError:
    """The error to raise for a failed engine run, most specific first."""
    text = diagnostics_text(result)
    flat = _flat(text)
    if result.interrupted:
        from provisioner.engine.locks import lock_status

        lock = lock_status(stack_dir)
        return EngineInterrupted(
            f"terraform {step} for {workspace} was interrupted (Ctrl-C) before it changed anything; {lock.describe()}",
            f"release it with `provision unlock {workspace} {(lock.holder or {}).get('ID', 'LOCK_ID')}` if no run is "
            "still going" if lock.held else "run the command again when ready")
    lock = lock_info(text)
    if lock is not None:
        return StateLocked(workspace, lock)
    if "Saved plan is stale" in flat:
        return PlanStale(f"the saved plan for {workspace} is stale: the state changed after it was made",
                         f"run `provision plan {workspace}` again and review the new plan")
    if "Instance cannot be destroyed" in flat:
        addresses = sorted(set(re.findall(r"Resource ([\w.\[\]\"-]+) has lifecycle.prevent_destroy set", flat)))
        return PolicyBlocked(
            f"workspace {workspace}: the plan would destroy protected resource(s) {', '.join(addresses) or '?'} "
            "(lifecycle.prevent_destroy)",
            "change the spec so that they are kept (a changed name or immutable setting replaces them), "
            "or remove them deliberately with `provision destroy --include-protected`",
        )
    if step == "init":
        providers = sorted(set(_PROVIDER.findall(flat)))
        lowered = flat.lower()
        if "was not found in any of the search locations" in flat or "not available in the mirror" in lowered:
            names = ", ".join(sorted({p.removeprefix("registry.terraform.io/") for p in providers})) or "its providers"
            return ProviderUnavailable(
                f"workspace {workspace}: Terraform cannot install the provider {names}: offline, and no "
                "filesystem mirror holds it",
                f"run `provision plan {workspace}` on a machine with network access (without PROVISION_OFFLINE=1), "
                f"or set PROVISION_PROVIDER_MIRROR to a filesystem mirror that holds {names}",
                providers,
            )
        if ("provider" in lowered and any(marker in lowered for marker in _NETWORK)
                and ("Failed to query available provider packages" in flat or "Failed to install provider" in flat)):
            hosts = sorted(set(re.findall(r"connect to ([\w.-]+\.[a-z]{2,})", flat))) or ["registry.terraform.io"]
            names = ", ".join(providers) or "its providers"
            return ProviderUnavailable(
                f"workspace {workspace}: Terraform cannot download the provider {names} from {', '.join(hosts)} "
                "(no network access to it from this machine)",
                f"run `provision plan {workspace}` on a machine that can reach {hosts[0]}, or set "
                f"PROVISION_PROVIDER_MIRROR to a filesystem mirror that holds {names}",
                providers,
            )
        bucket = re.search(r'S3 bucket "([^"]+)" does not exist', flat)
        if bucket:
            return OperationFailed(f"workspace {workspace}: the state bucket {bucket[1]} does not exist",
                                   "create it with `provision bootstrap ENV` (or fix state.bucket in provision.yaml)")
        if "No valid credential sources found" in flat or "failed to refresh cached credentials" in flat:
            return OperationFailed(f"workspace {workspace}: no AWS credentials for the state backend",
                                   "configure credentials (AWS_PROFILE, or `aws sso login`) and check with `provision doctor`")
    hint = f"Terraform's full output: {log}" if log else f"run the engine in {stack_dir} to see Terraform's full output"
    return OperationFailed(f"terraform {step} failed for {workspace}: {first_error(text)}", hint)
