"""Saved plans: `.provision/plans/NAME/`, and the checks that keep an old plan from being applied.

A bundle holds:
  plan.tfplan   Terraform's saved plan (binary; it embeds state values, so mode 0600)
  plan.json     `show -json` of it with sensitive values masked (for people and policy tools)
  bundle.json   metadata: what the plan was made from, by which engine, against which state

`apply` takes a bundle only while everything it was made from is unchanged:
the spec file, the blueprint (version and file), the synthesized config, the
engine's version, and the state (serial and lineage). Terraform's own check
("Saved plan is stale") stays as the last line of defence.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from provisioner.runtime import clock
from provisioner.engine.summary import PlanSummary
from provisioner.errors import InvalidInput, OperationFailed, shown

PLAN_FILE = "plan.tfplan"
PLAN_JSON = "plan.json"
META_FILE = "bundle.json"
FORMAT = 1


def sha256_file(path: Path | None) -> str:
    if path is None or not Path(path).is_file():
        return ""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class PlanInputs:
    """What a plan was made from, hashed."""

    spec_hash: str
    blueprint_ref: str
    blueprint_hash: str
    config_hash: str

    @classmethod
    def from_files(cls, *, spec: Path | None, blueprint_ref: str, blueprint: Path | None, config: Path) -> "PlanInputs":
        return cls(sha256_file(spec), blueprint_ref, sha256_file(blueprint), sha256_file(config))


def state_of_plan(plan_file: Path) -> dict[str, Any]:
    """Serial and lineage of the state a saved plan was made against (read from the plan file)."""
    try:
        with zipfile.ZipFile(plan_file) as archive:
            state = json.loads(archive.read("tfstate"))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return {"serial": None, "lineage": None}
    return {"serial": int(state.get("serial", 0)), "lineage": str(state.get("lineage", ""))}


@dataclass
class PlanBundle:
    folder: Path
    workspace: str
    environment: str
    kind: str  # "apply" or "destroy"
    inputs: PlanInputs
    engine: dict[str, str]
    state: dict[str, Any]
    created: str
    plan_sha256: str
    summary: dict[str, Any]
    applied: str | None = None
    made_by: str = ""  # user@host that made the plan
    commit: str = ""  # the reviewed commit (a pull request's head) CI planned, if any
    repository: str = ""  # owner/name of the repository that commit is in
    format: int = FORMAT
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def plan_file(self) -> Path:
        return self.folder / PLAN_FILE

    @property
    def plan_json(self) -> Path:
        return self.folder / PLAN_JSON

    @property
    def plan_summary(self) -> PlanSummary:
        return PlanSummary.from_dict(self.summary)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("folder")
        return data

    def save(self) -> None:
        _write_private(self.folder / META_FILE, json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n")

    @classmethod
    def load(cls, folder: Path) -> "PlanBundle":
        data = json.loads((folder / META_FILE).read_text())
        if data.get("format") != FORMAT:
            raise ValueError(f"unknown bundle format {data.get('format')!r}")
        data["inputs"] = PlanInputs(**data["inputs"])
        return cls(folder=folder, **data)

    def mark_applied(self) -> None:
        self.applied = now()
        self.save()


def now() -> str:
    return clock.now().isoformat(timespec="seconds")


def _write_private(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


class PlanStore:
    """The saved plans of an org: one current bundle per workspace."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def folder(self, workspace: str) -> Path:
        return self.root / workspace

    def staging(self, workspace: str) -> Path:
        """A fresh private folder to plan into; `commit()` moves it into place."""
        self.root.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f".{workspace}-", dir=self.root))

    def commit(self, staged: Path, bundle: PlanBundle, plan: dict[str, Any], key: str | None = None) -> PlanBundle:
        """Write plan.json and bundle.json into `staged`, then swap it in as the bundle for `key`."""
        from provisioner.engine.summary import redact

        key = key or bundle.workspace
        os.chmod(staged / PLAN_FILE, 0o600)
        _write_private(staged / PLAN_JSON, json.dumps(redact(plan), indent=1, sort_keys=True) + "\n")
        bundle.folder = staged
        bundle.save()
        final = self.folder(key)
        old = None
        if final.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{key}-old-", dir=self.root))
            os.replace(final, old / "bundle")
        os.replace(staged, final)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        bundle.folder = final
        return bundle

    def discard(self, staged: Path) -> None:
        shutil.rmtree(staged, ignore_errors=True)

    def load(self, workspace: str) -> PlanBundle:
        folder = self.folder(workspace)
        if not (folder / META_FILE).is_file() or not (folder / PLAN_FILE).is_file():
            # Nothing to apply is a mistake in what was asked (exit 2), not a failed operation.
            raise InvalidInput.single(shown(folder), "", f"workspace {workspace} has no saved plan",
                                      f"run `provision plan {workspace}` first, review it, then apply it")
        try:
            return PlanBundle.load(folder)
        except (OSError, ValueError, TypeError, KeyError) as exc:
            raise OperationFailed(f"the saved plan in {folder} cannot be read ({exc})",
                                  f"run `provision plan {workspace}` again") from None


class PlanOutdated(OperationFailed):
    """The saved plan no longer matches what it was made from."""


# Set by the generated CI workflow's plan step (provisioner/fleet/ci.py): what the plan was made for.
COMMIT_VARIABLE = "PROVISION_REVIEWED_COMMIT"
REPOSITORY_VARIABLE = "PROVISION_REPOSITORY"
_COMMIT = r"^[0-9a-f]{40}$"
_REPOSITORY = r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$"


@dataclass(frozen=True)
class ReviewedPlan:
    """The commit a bundle must have been planned for: the merged pull request's head, in this repository."""

    commit: str
    repository: str

    @classmethod
    def of(cls, commit: str, repository: str | None, *, field_name: str = "--reviewed-commit") -> "ReviewedPlan":
        import re

        if not re.match(_COMMIT, commit or ""):
            raise InvalidInput.single("<command line>", field_name, f"{commit!r} is not a full commit SHA",
                                      "give the 40-character head commit of the merged pull request")
        if not re.match(_REPOSITORY, repository or ""):
            raise InvalidInput.single("<command line>", REPOSITORY_VARIABLE,
                                      f"{repository!r} is not a repository (owner/name)",
                                      f"set {REPOSITORY_VARIABLE}=owner/name (the workflow sets it from "
                                      "github.repository)")
        return cls(commit, str(repository))


def planned_for() -> tuple[str, str]:
    """(commit, repository) a plan made now is for, from the CI workflow's variables; ("", "") outside CI."""
    import re

    commit = os.environ.get(COMMIT_VARIABLE, "").strip()
    repository = os.environ.get(REPOSITORY_VARIABLE, "").strip()
    if not commit:
        return "", ""
    ReviewedPlan.of(commit, repository, field_name=COMMIT_VARIABLE)
    return commit, repository if re.match(_REPOSITORY, repository) else ""


class PlanRefused(OperationFailed):
    """The bundle is not the reviewed plan: tampered with, or made for another commit or repository."""


def check_reviewed(bundle: PlanBundle, reviewed: ReviewedPlan) -> None:
    """Before anything runs: the plan file is the one the bundle recorded, made for the reviewed commit."""
    again = f"plan the merged commit again (`provision plan {bundle.workspace}`) and review that plan"
    actual = sha256_file(bundle.plan_file)
    if actual != bundle.plan_sha256:
        raise PlanRefused(f"refusing the plan bundle of {bundle.workspace}: check plan_sha256 failed "
                          f"(plan.tfplan is {actual[:12] or 'missing'}, the bundle recorded "
                          f"{bundle.plan_sha256[:12] or 'nothing'})", again)
    if (bundle.repository, bundle.commit) != (reviewed.repository, reviewed.commit):
        made = f"{bundle.repository or 'no repository'}@{bundle.commit[:12] or 'no commit'}"
        raise PlanRefused(f"refusing the plan bundle of {bundle.workspace}: check commit failed (made for {made}, "
                          f"not the merged {reviewed.repository}@{reviewed.commit[:12]})", again)


def check_plan_json(bundle: PlanBundle, shown_plan: dict[str, Any]) -> None:
    """plan.json (what reviewers and the audit read) is what the engine says plan.tfplan holds."""
    from provisioner.engine.summary import redact

    try:
        recorded = json.loads(bundle.plan_json.read_text())
    except (OSError, ValueError):
        recorded = None
    if recorded != redact(shown_plan):
        raise PlanRefused(f"refusing the plan bundle of {bundle.workspace}: check plan.json failed (it is not what "
                          "`show -json plan.tfplan` says)",
                          f"plan the merged commit again (`provision plan {bundle.workspace}`) and review that plan")


def input_changes(bundle: PlanBundle, inputs: PlanInputs, *, spec_file: str = "the workspace spec",
                  config: bool = True) -> list[tuple[str, str]]:
    """What the plan was made from and has changed since: (short reason, the sentence refusing an apply)."""
    name = bundle.workspace
    found = []
    if bundle.inputs.spec_hash != inputs.spec_hash:
        found.append((f"{spec_file} changed",
                      f"{spec_file} changed after the plan was made ({bundle.created}); refusing to apply an outdated plan"))
    if bundle.inputs.blueprint_ref != inputs.blueprint_ref or bundle.inputs.blueprint_hash != inputs.blueprint_hash:
        was, now_ = bundle.inputs.blueprint_ref, inputs.blueprint_ref
        what = f"{was} -> {now_}" if was != now_ else f"{now_}, its file was edited"
        found.append((f"the blueprint changed ({what})",
                      f"the blueprint of {name} changed after the plan was made ({what}); refusing to apply"))
    if config and bundle.inputs.config_hash != inputs.config_hash:
        found.append(("the synthesized Terraform config changed",
                      f"the synthesized Terraform config of {name} changed after the plan was made "
                      "(the CDK code or a dependency changed); refusing to apply"))
    return found


def check_current(bundle: PlanBundle, *, inputs: PlanInputs, engine: dict[str, str],
                  state: dict[str, Any] | None = None, spec_file: str = "the workspace spec",
                  config: bool = True) -> None:
    """Refuse a bundle whose inputs, engine or (when given) state moved since it was planned.

    `config=False` skips the synthesized config, for a check made before synth runs.
    """
    name = bundle.workspace
    again = f"run `provision {'destroy' if bundle.kind == 'destroy' else 'plan'} {name}` again and review the new plan"
    if bundle.applied:
        raise PlanOutdated(f"the saved plan for {name} was already applied ({bundle.applied})", again)
    changed = input_changes(bundle, inputs, spec_file=spec_file, config=config)
    if changed:
        raise PlanOutdated(changed[0][1], again)
    if (bundle.engine.get("kind"), bundle.engine.get("version")) != (engine.get("kind"), engine.get("version")):
        raise PlanOutdated(
            f"the plan for {name} was made with {bundle.engine.get('kind')} {bundle.engine.get('version')}, "
            f"but this run uses {engine.get('kind')} {engine.get('version')} (a saved plan only applies with the same engine)",
            f"use --engine {bundle.engine.get('kind')}, or {again}")
    planned = bundle.state
    if state is not None and planned.get("serial") is not None and (planned.get("serial"), planned.get("lineage")) != (
            state.get("serial"), state.get("lineage")):
        raise PlanOutdated(
            f"the state of {name} changed after the plan was made (serial {planned.get('serial')} -> "
            f"{state.get('serial')}{', new lineage' if planned.get('lineage') != state.get('lineage') else ''}); "
            "the plan is stale", again)


@dataclass(frozen=True)
class PlanStatus:
    """Whether a saved plan still describes what `apply` would do, as far as can be told without the state."""

    state: str  # "pending" (not applied, nothing it was made from moved), "applied" or "stale"
    applied: str | None = None  # when it was applied
    reasons: tuple[str, ...] = ()  # why it is stale
    # What was compared; the state itself (serial and lineage) is compared when the plan is applied.
    checked: str = "spec, blueprint, synthesized config and the applies in .provision/audit.log"

    def describe(self) -> str:
        if self.state == "applied":
            return f"applied {self.applied}: its changes are made, not pending"
        if self.state == "stale":
            return "stale (" + "; ".join(self.reasons) + "): apply would refuse it; make a new plan"
        return "not applied yet; current (checked: " + self.checked + "; the state is compared at apply)"

    def to_dict(self) -> dict[str, Any]:
        return {"state": self.state, "applied": self.applied, "reasons": list(self.reasons), "checked": self.checked}


def plan_status(bundle: PlanBundle, inputs: PlanInputs, *, log: list[dict[str, Any]] = (),
                spec_file: str = "the workspace spec") -> PlanStatus:
    """Applied, stale or pending. `log` is `.provision/audit.log` (provisioner.engine.audit_log.read): an apply or
    destroy of this workspace that succeeded after this plan was made moved the state under it."""
    if bundle.applied:
        return PlanStatus("applied", bundle.applied)
    reasons = [short for short, _ in input_changes(bundle, inputs, spec_file=spec_file)]
    for record in log:
        if (record.get("workspace") == bundle.workspace and record.get("action") in ("apply", "destroy")
                and record.get("result") == "ok" and record.get("plan_hash") != bundle.plan_sha256
                and str(record.get("time", "")) >= bundle.created):
            reasons.append(f"the state moved: a {record['action']} at {record['time']} by {record.get('who', '?')}")
    return PlanStatus("stale", reasons=tuple(reasons)) if reasons else PlanStatus("pending")




def provenance(bundle: PlanBundle, status: PlanStatus, folder: str) -> dict[str, Any]:
    """Which plan a summary or a report describes: the record `provision show` and every audit format carry."""
    return {"workspace": bundle.workspace, "environment": bundle.environment, "kind": bundle.kind, "folder": folder,
            "plan_sha256": bundle.plan_sha256, "created": bundle.created, "made_by": bundle.made_by or None,
            "engine": f"{bundle.engine.get('kind', '?')} {bundle.engine.get('version', '?')}",
            "state_serial": bundle.state.get("serial"), "state_lineage": bundle.state.get("lineage") or None,
            "status": status.to_dict(), "status_text": status.describe()}


def provenance_lines(record: dict[str, Any]) -> list[str]:
    """That record as two lines people read (the same words in the terminal, text, Markdown and HTML)."""
    serial = record.get("state_serial")
    if serial is None:
        against = "a state it could not read"
    elif serial == 0 and not record.get("state_lineage"):
        against = "an empty state (nothing applied yet)"
    else:
        against = f"state serial {serial}"
    return [f"Plan {record['plan_sha256'][:12]} ({record['folder']}) for {record['workspace']} ({record['environment']}), "
            f"made {record['created']} by {record.get('made_by') or 'unknown'} with {record['engine']}, against {against}",
            f"Status: {record['status_text']}"]
