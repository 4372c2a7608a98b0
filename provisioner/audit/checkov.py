"""checkov as an independent second opinion, run as a separate tool.

checkov lives in its own virtual environment because it pins an old boto3: the one
`provision doctor --fix` makes in the user cache (`~/.cache/provision/checkov-venv`),
or the one `PROVISION_CHECKOV` names (`make setup` makes `.tools/checkov-venv` for
this project's own tests), or a `checkov` on PATH (`uv tool install checkov`).
It always runs with `--skip-download`, in a process whose proxy variables
point at a closed port on 127.0.0.1, so that even an unexpected download
attempt fails locally instead of reaching the network.

Results are cached per (config bytes, framework, checkov version): a second
audit of an unchanged workspace does not start checkov again.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from provisioner.audit.config import Config
from provisioner.audit.pack import Finding

CHECKOV_VERSION = "3.3.30"  # the version `provision doctor --fix` installs (and scripts/install_checkov.sh)
INSTALL_HINT = (f"run `provision doctor --fix` (installs checkov {CHECKOV_VERSION} into its own virtualenv in "
                "~/.cache/provision/checkov-venv), or set PROVISION_CHECKOV to a checkov binary")
# A closed local port: any HTTP(S) request checkov might attempt fails at once, on this machine.
NO_NETWORK_PROXY = "http://127.0.0.1:9"
TIMEOUT_SECONDS = 300


@dataclass
class CheckovRun:
    status: str  # "ok", "missing" (not installed), "disabled", "failed" (it crashed or printed no JSON)
    message: str = ""
    version: str = ""
    framework: str = ""
    passed: int = 0
    failed: int = 0
    findings: list[Finding] = field(default_factory=list)
    passed_checks: list[tuple[str, str]] = field(default_factory=list)  # (check id, address)
    cached: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "message": self.message, "version": self.version, "framework": self.framework,
                "passed": self.passed, "failed": self.failed, "cached": self.cached}


def locate_checkov() -> tuple[Path, str] | None:
    """(binary, where it came from): `PROVISION_CHECKOV` (only it, when set), the user cache, then PATH."""
    from provisioner.runtime.locations import cached_checkov_venv

    explicit = os.environ.get("PROVISION_CHECKOV")
    if explicit:
        return (Path(explicit), "PROVISION_CHECKOV") if Path(explicit).is_file() else None
    cached = cached_checkov_venv() / "bin" / "checkov"
    if cached.is_file():
        return cached, "user cache"
    import shutil

    on_path = shutil.which("checkov")
    return (Path(on_path), "PATH") if on_path else None


def find_checkov() -> Path | None:
    found = locate_checkov()
    return found[0] if found else None


def _environment() -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update({
        "HTTP_PROXY": NO_NETWORK_PROXY, "HTTPS_PROXY": NO_NETWORK_PROXY,
        "http_proxy": NO_NETWORK_PROXY, "https_proxy": NO_NETWORK_PROXY,
        "NO_PROXY": "", "no_proxy": "",
        "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false",
        "LOG_LEVEL": "ERROR",
        "PYTHONWARNINGS": "ignore",
    })
    return env


def command(binary: Path, target: Path, framework: str) -> list[str]:
    return [str(binary), "-f", str(target), "--framework", framework, "--skip-download",
            "--skip-results-upload", "-o", "json", "--compact"]


def run_checkov(target: Path, config: Config, *, framework: str = "terraform_json",
                cache_dir: Path | None = None, binary: Path | None = None) -> CheckovRun:
    """Scan one file (`cdk.tf.json`, or a plan JSON with framework `terraform_plan`)."""
    binary = binary or find_checkov()
    if binary is None:
        return CheckovRun("missing", f"checkov is not installed; {INSTALL_HINT}", framework=framework)
    data = Path(target).read_bytes()
    digest = hashlib.sha256(data + framework.encode() + str(binary).encode() + CHECKOV_VERSION.encode()).hexdigest()[:24]
    cache = cache_dir / f"checkov-{framework}-{digest}.json" if cache_dir else None
    output: Any = None
    cached = False
    if cache is not None and cache.is_file():
        try:
            output = json.loads(cache.read_text())
            cached = True
        except ValueError:
            output = None
    if output is None:
        try:
            proc = subprocess.run(command(binary, Path(target), framework), capture_output=True, text=True,
                                  env=_environment(), timeout=TIMEOUT_SECONDS, cwd=str(Path(target).parent))
        except (OSError, subprocess.SubprocessError) as exc:
            return CheckovRun("failed", f"checkov could not run: {exc}", framework=framework)
        try:
            output = json.loads(proc.stdout) if proc.stdout.strip() else None
        except ValueError:
            output = None
        if output is None or proc.returncode not in (0, 1):
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
            return CheckovRun("failed", f"checkov exited {proc.returncode}: {tail[0][:300]}", framework=framework)
        output = _slim(output)
        if cache is not None:
            cache.parent.mkdir(parents=True, exist_ok=True)
            cache.write_text(json.dumps(output))
    run = parse_output(output, config, framework)
    run.cached = cached
    return run


KEPT_FIELDS = ("check_id", "check_name", "resource", "resource_address", "file_path", "file_line_range", "guideline")


def _slim(output: Any) -> Any:
    """Only what the report uses (checkov's JSON repeats every resource's code block)."""
    reports = output if isinstance(output, list) else [output]
    slim = []
    for report in reports:
        if not isinstance(report, dict):
            continue
        results = report.get("results") or {}
        slim.append({"summary": report.get("summary") or {}, "results": {
            kind: [{k: item.get(k) for k in KEPT_FIELDS} for item in results.get(kind) or []]
            for kind in ("passed_checks", "failed_checks")}})
    return slim


def parse_output(output: Any, config: Config, framework: str) -> CheckovRun:
    reports = output if isinstance(output, list) else [output]
    run = CheckovRun("ok", framework=framework)
    for report in reports:
        if not isinstance(report, dict):
            continue
        summary = report.get("summary") or {}
        run.version = str(summary.get("checkov_version") or run.version or "")
        results = report.get("results") or {}
        for item in results.get("passed_checks") or []:
            run.passed_checks.append((item.get("check_id", ""), normalize_address(item, config)))
        for item in results.get("failed_checks") or []:
            address = normalize_address(item, config)
            resource = config.get(address)
            run.findings.append(Finding(
                rule_id=str(item.get("check_id", "CKV_UNKNOWN")),
                level="error",
                title=str(item.get("check_name", "")),
                address=address,
                resource_type=resource.type if resource else address.split(".", 1)[0],
                message=str(item.get("check_name", "")),
                fix=_fix(item),
                tool="checkov",
                sources=("plan" if framework == "terraform_plan" else "config",),
                line=int((item.get("file_line_range") or [0])[0] or 0),
            ))
    run.passed = len(run.passed_checks)
    run.failed = len(run.findings)
    return run


def _fix(item: dict[str, Any]) -> str:
    guideline = item.get("guideline")
    text = f"Make the resource satisfy checkov's {item.get('check_id')} ({item.get('check_name')})"
    return text + (f"; see {guideline}" if guideline else "") + ", or suppress it with a written reason."


def normalize_address(item: dict[str, Any], config: Config) -> str:
    """checkov names resources `aws_s3_bucket.data` or `resource.data` (cdktn JSON): return the Terraform address."""
    raw = str(item.get("resource_address") or item.get("resource") or "")
    if raw.startswith("resource."):
        name = raw.split(".", 1)[1]
        candidates = [r for r in config.managed() if r.name == name]
        if len(candidates) > 1:
            start = (item.get("file_line_range") or [0])[0]
            from provisioner.audit.config import locate_lines

            lines = locate_lines(config.path, candidates)
            candidates = [r for r in candidates if lines.get(r.address) == start] or candidates
        if candidates:
            return candidates[0].address
    if raw.startswith("data."):
        return raw
    return raw


def run_checkov_many(configs: dict[str, tuple[Path, Config]], *, binary: Path | None = None) -> dict[str, CheckovRun]:
    """Scan several synthesized configs in one checkov process (its start-up dominates a single scan).

    `configs` maps a workspace name to (cdk.tf.json path, its Config); each gets its own CheckovRun.
    """
    import shutil
    import tempfile

    binary = binary or find_checkov()
    if binary is None:
        return {name: CheckovRun("missing", f"checkov is not installed; {INSTALL_HINT}") for name in configs}
    with tempfile.TemporaryDirectory(prefix="provision-checkov-") as tmp:
        for name, (path, _) in configs.items():
            (Path(tmp) / name).mkdir()
            shutil.copy(path, Path(tmp) / name / "cdk.tf.json")
        cmd = [str(binary), "-d", tmp, "--framework", "terraform_json", "--skip-download", "--skip-results-upload",
               "-o", "json", "--compact"]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, env=_environment(), timeout=TIMEOUT_SECONDS, cwd=tmp)
            output = json.loads(proc.stdout) if proc.returncode in (0, 1) and proc.stdout.strip() else None
        except (OSError, subprocess.SubprocessError, ValueError) as exc:
            return {name: CheckovRun("failed", f"checkov could not run: {exc}") for name in configs}
    if output is None:
        return {name: CheckovRun("failed", f"checkov exited {proc.returncode}") for name in configs}
    per_file: dict[str, dict[str, Any]] = {}
    version = ""
    for report in output if isinstance(output, list) else [output]:
        version = str((report.get("summary") or {}).get("checkov_version") or version)
        for kind in ("passed_checks", "failed_checks"):
            for item in (report.get("results") or {}).get(kind) or []:
                name = str(item.get("file_path", "")).strip("/").split("/", 1)[0]
                bucket = per_file.setdefault(name, {"results": {"passed_checks": [], "failed_checks": []}})
                bucket["results"][kind].append(item)
    runs = {}
    for name, (_, config) in configs.items():
        report = per_file.get(name, {"results": {}})
        report["summary"] = {"checkov_version": version}
        runs[name] = parse_output(report, config, "terraform_json")
    return runs
