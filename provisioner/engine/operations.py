"""plan, apply, destroy and unlock for one workspace's stack: the engine side of the CLI commands.

The CLI synthesizes the workspace and hands over a `Stack` (the folder with
`cdk.tf.json` plus what it was made from); everything from `terraform init`
on happens here, through one `Runner`. Tests drive these same functions on
stacks written by hand.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from provisioner.engine.audit_log import who
from provisioner.engine.bundle import (
    PlanBundle,
    PlanInputs,
    PlanOutdated,
    PlanStore,
    ReviewedPlan,
    check_current,
    check_plan_json,
    check_reviewed,
    now,
    planned_for,
    sha256_file,
    state_of_plan,
)
from provisioner.engine.diagnostics import EngineInterrupted, lock_info, diagnostics_text, translate
from provisioner.engine.gates import GateRequest, run_pre_apply_gates
from provisioner.engine.locks import LockStatus, lock_status
from provisioner.engine.protection import destroy_targets, protected_addresses, remove_leftover_override, unprotected
from provisioner.engine.runner import EventCallback, Runner
from provisioner.engine.summary import PlanSummary, refuse_adoption_replacements, summarize
from provisioner.engine.workdir import Workdir, managed_addresses, state_identity
from provisioner.errors import OperationFailed, ProvisionError

Confirm = Callable[[PlanBundle], bool]


class Cancelled(ProvisionError):
    """The user said no at the confirmation prompt (exit 1; nothing was changed)."""


@dataclass(frozen=True)
class Stack:
    """A synthesized workspace: where its config is and what it was made from."""

    name: str
    environment: str
    stack_dir: Path
    spec_path: Path | None = None
    blueprint_ref: str = ""
    blueprint_path: Path | None = None
    spec_display: str = ""
    env: Mapping[str, str | None] = field(default_factory=dict)  # the engine's variables for this workspace
    secrets: tuple[str, ...] = ()  # values never shown in a plan summary (the workspace's secret parameters)

    @property
    def config_path(self) -> Path:
        return self.stack_dir / "cdk.tf.json"

    def inputs(self) -> PlanInputs:
        return PlanInputs.from_files(spec=self.spec_path, blueprint_ref=self.blueprint_ref,
                                     blueprint=self.blueprint_path, config=self.config_path)


@dataclass
class ApplyOutcome:
    bundle: PlanBundle
    status: str  # applied | failed | interrupted | nothing
    done: list[tuple[str, str]] = field(default_factory=list)  # (address, action) Terraform finished
    failed: list[str] = field(default_factory=list)
    not_applied: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    errored_state: Path | None = None
    rescued_state: Path | None = None
    state: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    lock: LockStatus | None = None  # checked after an apply that did not complete

    @property
    def ok(self) -> bool:
        return self.status in ("applied", "nothing")

    def to_dict(self) -> dict[str, Any]:
        return {"workspace": self.bundle.workspace, "status": self.status,
                "done": [{"address": a, "action": act} for a, act in self.done], "failed": self.failed,
                "not_applied": self.not_applied, "errors": self.errors,
                "errored_state": str(self.errored_state) if self.errored_state else None,
                "rescued_state": str(self.rescued_state) if self.rescued_state else None,
                "state": self.state, "seconds": round(self.seconds, 1),
                "lock": {"state": self.lock.state, "where": self.lock.where} if self.lock else None}


@dataclass
class DestroyPlan:
    bundle: PlanBundle | None  # None when nothing can be destroyed
    protected: list[str]  # protected resources in the state
    kept: dict[str, str]  # address -> why it survives this destroy
    include_protected: bool


class Lifecycle:
    """The engine operations for the workspaces of one org."""

    def __init__(self, runner: Runner, store: PlanStore, *, logs_dir: Path | None = None,
                 rescue_dir: Path | None = None) -> None:
        self.runner = runner
        self.store = store
        self.logs_dir = logs_dir
        self.rescue_dir = rescue_dir

    @classmethod
    def in_folder(cls, provision_dir: Path, engine: Any, *,
                  on_interrupt: Callable[[int], None] | None = None) -> "Lifecycle":
        """The lifecycle of an org whose working files live in `provision_dir` (`.provision/`):
        engine config, saved plans, logs and rescued state, each in its own subfolder."""
        from provisioner.engine.cliconfig import prepare

        runner = Runner(engine, prepare(provision_dir / "engine"))
        runner.on_interrupt = on_interrupt
        return cls(runner, PlanStore(provision_dir / "plans"), logs_dir=provision_dir / "logs",
                   rescue_dir=provision_dir / "rescue")

    @property
    def engine_info(self) -> dict[str, str]:
        return self.runner.engine.to_dict()

    def workdir(self, stack: Stack) -> Workdir:
        log_dir = self.logs_dir / stack.name if self.logs_dir else None
        return Workdir(self.runner, stack.stack_dir, workspace=stack.name, log_dir=log_dir, env=stack.env)

    # -- plan -------------------------------------------------------------------------------------

    def plan(self, stack: Stack, *, on_event: EventCallback | None = None) -> PlanBundle:
        """init -> plan -out -> show -json -> a bundle under the plan store."""
        work = self.workdir(stack)
        refuse_errored_state(work)
        remove_leftover_override(stack.stack_dir)
        work.init()
        protected = set(protected_addresses(work.config()))
        return self._plan_into(stack, work, stack.name, kind="apply", protected=protected, on_event=on_event)

    def _plan_into(self, stack: Stack, work: Workdir, key: str, *, kind: str, protected: set[str],
                   destroy: bool = False, targets: list[str] | None = None,
                   on_event: EventCallback | None = None, extra: dict[str, Any] | None = None) -> PlanBundle:
        staged = self.store.staging(key)
        try:
            plan_file = staged / "plan.tfplan"
            work.plan(plan_file, destroy=destroy, targets=targets, on_event=on_event)
            plan = work.show_plan(plan_file)
            summary = summarize(plan, protected=protected, destroy=destroy, secrets=stack.secrets)
            bundle = PlanBundle(
                folder=staged, workspace=stack.name, environment=stack.environment, kind=kind,
                inputs=stack.inputs(), engine=self.engine_info, state=state_of_plan(plan_file), created=now(),
                plan_sha256=sha256_file(plan_file), summary=summary.to_dict(), extra=dict(extra or {}),
                made_by=who(),
            )
            bundle_commit, bundle_repository = planned_for()
            bundle = dataclasses.replace(bundle, commit=bundle_commit, repository=bundle_repository)
            return self.store.commit(staged, bundle, plan, key=key)
        except BaseException:
            self.store.discard(staged)
            raise

    # -- apply ------------------------------------------------------------------------------------

    def load_bundle(self, name: str) -> PlanBundle:
        bundle = self.store.load(name)
        if bundle.kind != "apply":
            raise PlanOutdated(f"the saved plan for {name} is a {bundle.kind} plan",
                               f"run `provision plan {name}` to make a plan to apply")
        return bundle

    def check_inputs(self, stack: Stack, bundle: PlanBundle, *, config: bool = True) -> None:
        """Refuse early (before init) when the spec, blueprint, config or engine moved.

        With `config=False` (before synth has run) the synthesized config is not compared.
        """
        check_current(bundle, inputs=stack.inputs(), engine=self.engine_info,
                      spec_file=stack.spec_display or "the workspace spec", config=config)

    def apply(self, stack: Stack, *, bundle: PlanBundle | None = None, confirm: Confirm | None = None,
              gates: list | None = None, context: Any = None, on_event: EventCallback | None = None,
              on_start: Callable | None = None, reviewed: ReviewedPlan | None = None) -> ApplyOutcome:
        """Apply a saved plan, and only while everything it was made from is unchanged.

        `reviewed` (CI, on merge): the bundle must also be the reviewed one, untouched: its plan file hashes
        to the recorded plan_sha256, it was made for that commit of that repository, and its plan.json is
        what the engine shows the plan file holds. Each refusal names its check; nothing is applied.
        """
        bundle = bundle or self.load_bundle(stack.name)
        if reviewed is not None:
            check_reviewed(bundle, reviewed)
        self.check_inputs(stack, bundle)
        work = self.workdir(stack)
        refuse_errored_state(work)
        work.init()
        if reviewed is not None:
            check_plan_json(bundle, work.show_plan(bundle.plan_file))
        state = state_identity(work.state_pull())
        check_current(bundle, inputs=stack.inputs(), engine=self.engine_info, state=state,
                      spec_file=stack.spec_display or "the workspace spec")
        summary = bundle.plan_summary
        if not summary.has_changes:
            return ApplyOutcome(bundle, "nothing", state=state)
        refuse_adoption_replacements(summary, stack.name)
        run_pre_apply_gates(GateRequest(stack.name, stack.environment, bundle.kind, stack.stack_dir,
                                        bundle.plan_file, bundle.plan_json, summary, context), gates or [])
        if confirm is not None and not confirm(bundle):
            raise Cancelled(f"{bundle.kind} of {stack.name} cancelled; nothing was changed")
        result = work.apply(bundle.plan_file, on_event=on_event, on_start=on_start)
        outcome = self._outcome(bundle, summary, result)
        if outcome.status != "applied":
            text = diagnostics_text(result)
            if not outcome.done and not result.interrupted and (lock_info(text) or "Saved plan is stale" in text):
                raise translate(result, workspace=stack.name, step="apply", stack_dir=stack.stack_dir)
            outcome.errored_state = work.errored_state()
            if outcome.errored_state is not None:
                outcome.rescued_state = self._rescue(stack.name, outcome.errored_state)
            outcome.lock = lock_status(stack.stack_dir)
            try:  # what the state is now, for the report (success needs no extra engine run)
                outcome.state = state_identity(work.state_pull())
            except ProvisionError:
                outcome.state = {}
        else:
            bundle.mark_applied()
        return outcome

    def _outcome(self, bundle: PlanBundle, summary: PlanSummary, result) -> ApplyOutcome:
        done: list[tuple[str, str]] = []
        failed: list[str] = []
        for event in result.events:
            hook = event.get("hook") or {}
            address = (hook.get("resource") or {}).get("addr")
            if event.get("type") == "apply_complete" and address:
                done.append((address, hook.get("action", "")))
            elif event.get("type") == "apply_errored" and address:
                failed.append(address)
        finished = {a for a, _ in done} | set(failed)
        not_applied = [c.address for c in summary.changes if c.address not in finished]
        errors = error_lines(result)
        if result.ok and not result.interrupted:
            status = "applied"
        elif result.interrupted:
            status = "interrupted"
        else:
            status = "failed"
        if not result.ok and not errors and not result.interrupted:
            errors = [line for line in result.stderr.strip().splitlines() if line.strip()][:3]
        return ApplyOutcome(bundle, status, done, failed, not_applied, errors, seconds=result.seconds)

    def _rescue(self, name: str, errored: Path) -> Path | None:
        """Copy errored.tfstate out of the synth folder (a later synth replaces that folder). Never delete it."""
        if self.rescue_dir is None:
            return None
        target_dir = self.rescue_dir / name
        target_dir.mkdir(parents=True, exist_ok=True)
        target = target_dir / f"errored-{now().replace(':', '')}.tfstate"
        shutil.copy2(errored, target)
        target.chmod(0o600)
        return target

    # -- destroy ----------------------------------------------------------------------------------

    def destroy_key(self, stack: Stack) -> str:
        return f"{stack.name}.destroy"  # workspace names cannot contain dots: never collides

    def plan_destroy(self, stack: Stack, *, include_protected: bool = False,
                     on_event: EventCallback | None = None) -> DestroyPlan:
        work = self.workdir(stack)
        refuse_errored_state(work)
        remove_leftover_override(stack.stack_dir)
        work.init()
        state = work.state_pull()
        in_state = set(managed_addresses(state))
        protected = [a for a in protected_addresses(work.config()) if a in in_state]
        key = self.destroy_key(stack)
        if include_protected:
            with unprotected(stack.stack_dir, protected):
                bundle = self._plan_into(stack, work, key, kind="destroy", protected=set(protected), destroy=True,
                                         on_event=on_event, extra={"include_protected": True})
            return DestroyPlan(bundle, protected, {}, True)
        targets, kept = destroy_targets(state, protected)
        if not targets:
            return DestroyPlan(None, protected, kept, False)
        bundle = self._plan_into(stack, work, key, kind="destroy", protected=set(protected), destroy=True,
                                 targets=targets if kept else None, on_event=on_event,
                                 extra={"include_protected": False, "kept": kept})
        return DestroyPlan(bundle, protected, kept, False)

    def apply_destroy(self, stack: Stack, plan: DestroyPlan, *, confirm: Confirm | None = None,
                      gates: list | None = None, context: Any = None,
                      on_event: EventCallback | None = None) -> ApplyOutcome:
        assert plan.bundle is not None
        try:
            outcome = self.apply(stack, bundle=plan.bundle, confirm=confirm, gates=gates, context=context,
                                 on_event=on_event)
        finally:
            self.store.discard(self.store.folder(self.destroy_key(stack)))
        if outcome.status == "applied":
            # The saved apply plan (if any) was made against the state that is now gone.
            self.store.discard(self.store.folder(stack.name))
        return outcome

    # -- unlock -----------------------------------------------------------------------------------

    def unlock(self, stack: Stack, lock_id: str) -> None:
        work = self.workdir(stack)
        work.init()
        work.force_unlock(lock_id)


def error_lines(result: Any) -> list[str]:
    """One line per error diagnostic, every line of its detail kept: the provider often puts the cause on the
    second line (`ID: x` then `Cause: operation error ...`)."""
    return [" ".join(f"{d.get('summary', '')}: {d.get('detail', '')}".split()).strip(": ")
            for d in result.diagnostics("error")]


def refuse_errored_state(work: Workdir) -> None:
    errored = work.errored_state()
    if errored is not None:
        raise OperationFailed(
            f"workspace {work.workspace}: a previous apply could not save its state and left it in {errored}",
            f"push it first: cd {work.stack_dir} && terraform state push errored.tfstate "
            "(then remove the file); a copy is kept under .provision/rescue/",
        )


def outcome_error(outcome: ApplyOutcome) -> ProvisionError:
    """The error for an apply that did not complete, naming what was and was not applied."""
    name = outcome.bundle.workspace
    what = f"{len(outcome.done)} change(s) applied, {len(outcome.failed)} failed, {len(outcome.not_applied)} not applied"
    kept = ("; Terraform could not save the state and wrote it to "
            f"{outcome.errored_state}{f' (copy: {outcome.rescued_state})' if outcome.rescued_state else ''}"
            if outcome.errored_state else "; the state Terraform wrote is kept")
    lock = outcome.lock
    locked = f"; {lock.describe()}" if lock else ""
    if lock is not None and lock.held:
        hint = (f"if no run is still working on it, release the lock with "
                f"`provision unlock {name} {(lock.holder or {}).get('ID', 'LOCK_ID')}`, then `provision plan {name}`")
    else:
        hint = f"run `provision plan {name}` to see what is left, then apply the new plan"
    if outcome.status == "interrupted":
        return EngineInterrupted(f"{outcome.bundle.kind} of {name} interrupted: {what}{kept}{locked}", hint)
    first = outcome.errors[0] if outcome.errors else "see the Terraform output above"
    return OperationFailed(f"{outcome.bundle.kind} of {name} failed: {what}; first error: {first}{kept}{locked}",
                           f"fix the cause; {hint}")
