"""`provision env|train|models|endpoint weights`: the data scientist's commands.

    provision env NAME [--write]            the SageMaker SDK defaults of the workspace, and the exports
    provision train NAME --image URI ...    a training job inside the guardrails, followed to the end
    provision models list NAME              the workspace's model registry
    provision models approve NAME VERSION   approve a model version
    provision models promote PROJECT VERSION --from dev --to prod
                                            an approved version into the next environment's registry and spec
    provision endpoint weights NAME V=W ... change variant weights in the spec (then plan, review, apply)
    provision endpoint promote NAME VARIANT send all traffic to VARIANT, through the spec
    provision endpoint report NAME          the A/B readout: per-variant metrics, challenger against champion

Exit codes: 2 for a malformed argument, 3 for a request the workspace's
guardrails forbid (checked before anything calls AWS), 1 when AWS or the job
fails. The SageMaker SDK and boto3 are imported inside the commands only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

import typer
from rich.markup import escape

from provisioner.runtime import clock
from provisioner.cli._context import Session, session
from provisioner.cli._output import OutputFormat, console, err_console, print_json
from provisioner.errors import shown

if TYPE_CHECKING:
    from provisioner.ds.workspace import WorkspaceFacts
    from provisioner.models.resolved import WorkspaceContext

ENGINE_HELP = "Engine that reads the applied workspace's Terraform outputs (default: `engine` in provision.yaml)."
_output_option = typer.Option(OutputFormat.text, "--output", "-o")
_engine_option = typer.Option(None, "--engine", envvar="PROVISION_ENGINE", help=ENGINE_HELP, show_default=False)


def _workspace(s: Session, name: str, engine: Optional[str]) -> tuple["WorkspaceContext", "WorkspaceFacts"]:
    """The resolved workspace and its facts: applied Terraform outputs when there are any, else synthesized names."""
    from provisioner.ds.workspace import applied_outputs, facts
    from provisioner.errors import OperationFailed
    from provisioner.synthesis.synth import DEFAULT_OUT, stack_dir
    from provisioner.specs.workspaces import load_named

    ctx = load_named(s.org, s.catalog, name)
    folder = stack_dir((s.root / DEFAULT_OUT).resolve(), name)
    try:
        outputs = applied_outputs(ctx, folder, s.provision_dir / "engine", engine or s.org.config.engine)
    except OperationFailed as exc:
        # The synthesized names are the same resources (the key by its alias, which IAM accepts too).
        err_console().print(f"note: could not read the Terraform outputs of {name} ({escape(exc.message)}); "
                            "using the synthesized names")
        outputs = None
    return ctx, facts(ctx, outputs)


# -- env --------------------------------------------------------------------------------------------

def env(
    name: str = typer.Argument(..., help="Workspace name."),
    write: bool = typer.Option(False, "--write", help="Write the file under .provision/sagemaker/ and print only "
                               "the exports, for: eval \"$(provision env NAME --write)\"."),
    engine: Optional[str] = _engine_option,
    output: OutputFormat = _output_option,
) -> None:
    """The workspace's SageMaker SDK defaults (role, bucket, KMS keys, network, tags) and the exports that use them."""
    from provisioner.ds import sdk_available, sdk_install_hint, sdk_version, write_atomic
    from provisioner.ds import sdk_config

    s = session()
    ctx, facts = _workspace(s, name, engine)
    doc = sdk_config.render(ctx, facts)
    validated = None
    if sdk_available():
        sdk_config.validate(doc)
        validated = f"sagemaker {sdk_version()}"
    text = sdk_config.to_yaml(doc, ctx, facts)
    path = sdk_config.config_path(s.provision_dir, name)
    from provisioner.cloud.access import access_for

    exports = sdk_config.exports(path, ctx.region, access_for(ctx).process_env())
    if write:
        write_atomic(path, text)
    caveats = sdk_config.caveats(ctx, facts, doc)
    if output == OutputFormat.json:
        print_json({"workspace": name, "source": facts.source, "path": str(path.resolve()), "written": write,
                    "validated_with": validated, "config": doc, "exports": exports, "facts": facts.to_dict(),
                    "notes": caveats})
        return
    notes = err_console()
    if validated is None:
        notes.print(f"note: not checked against the SDK's schema: the SageMaker SDK is not installed; "
                    f"{escape(sdk_install_hint())}")
    if write:
        for caveat in caveats:
            notes.print(f"note: {escape(caveat)}")
        # stdout holds only the exports, so that `eval "$(provision env NAME --write)"` works.
        for line in sdk_config.export_lines(exports):
            print(line)
        notes.print(f"wrote {escape(shown(path))} (from the workspace's {facts.source}"
                    f"{', valid for ' + validated if validated else ''}); load it with: "
                    f"eval \"$(provision env {name} --write)\"")
        return
    print(text, end="")
    print(f"# To use it, write it and export its settings in one step:\n#   eval \"$(provision env {name} --write)\"\n"
          "# which sets:")
    for line in sdk_config.export_lines(exports):
        print(f"#   {line}")
    for caveat in caveats:
        print(f"# Note: {caveat}")


# -- train ------------------------------------------------------------------------------------------

# What a data scientist must know before reading a local-cloud job's "Completed" as a trained model.
LOCAL_TRAINING = ("the local cloud emulates the training job: no container runs and your code is not executed; "
                  "the job completes at once and its model artifact (model.tar.gz) is a name, not a file; on AWS "
                  "the same command trains for real")

def train(
    name: str = typer.Argument(..., help="Workspace name."),
    image: str = typer.Option(..., "--image", help="Training image in the workspace's ECR repository."),
    instance_type: Optional[str] = typer.Option(None, "--instance-type", help="Default: the workspace's first "
                                                "allowed type (training.instance_types)."),
    instance_count: int = typer.Option(1, "--instance-count", help="Instances (at most training.max_instances)."),
    spot: bool = typer.Option(False, "--spot", help="Managed spot training, checkpointing to the artifacts bucket."),
    max_runtime: Optional[str] = typer.Option(None, "--max-runtime", help="Like 4h, 90m, 1h30m (default and maximum: "
                                              "training.max_runtime_hours)."),
    hyperparameter: list[str] = typer.Option([], "--hyperparameter", help="KEY=VALUE (repeatable)."),
    input_: list[str] = typer.Option([], "--input", help="s3://... in a workspace bucket (channel `train`), or "
                                     "CHANNEL=s3://... (repeatable)."),
    register_: bool = typer.Option(False, "--register", help="Register the trained model in the workspace registry "
                                   "(PendingManualApproval)."),
    wait: bool = typer.Option(True, "--wait/--no-wait", help="Follow the job until it ends (default)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check the request and show the job; call nothing."),
    engine: Optional[str] = _engine_option,
    output: OutputFormat = _output_option,
) -> None:
    """Launch a training job inside the workspace's guardrails with the SageMaker SDK, and follow it."""
    from provisioner.ds.guardrails import check_request, parse_request
    from provisioner.ds.training import plan_job
    from provisioner.ds.workspace import require_capability

    request = parse_request(image=image, instance_type=instance_type, instance_count=instance_count, spot=spot,
                            max_runtime=max_runtime, hyperparameters=hyperparameter, inputs=input_,
                            register=register_)
    s = session()
    ctx, facts = _workspace(s, name, engine)
    require_capability(ctx, "training", "train models", s.root)
    if register_:
        require_capability(ctx, "registry", "register models", s.root)
    check_request(ctx, facts, request)  # exit 3 here, before the SDK is imported or AWS is called
    plan = plan_job(ctx, facts, request)
    if dry_run:
        if output == OutputFormat.json:
            print_json({"workspace": name, "source": facts.source, "plan": plan.to_dict(), "launched": False})
            return
        console().print(f"[green]ok[/] within the guardrails of {name}; would launch (from its {facts.source}):",
                        markup=True)
        for key, value in plan.to_dict().items():
            console().print(f"  {key}: {escape(str(value))}")
        return
    if ctx.env.is_local:
        err_console().print(f"note: {LOCAL_TRAINING}")
    job, outcome, version = _run_job(ctx, facts, plan, wait=wait, register=register_)
    if output == OutputFormat.json:
        print_json({"workspace": name, "job": outcome.to_dict() if outcome else {"name": job}, "plan": plan.to_dict(),
                    "launched": True, "emulated": ctx.env.is_local, "model": version.to_dict() if version else None})
        return
    if outcome is None:
        console().print(job)
        return
    _job_summary(outcome)
    if version is not None:
        console().print(f"registered version {version.version} of {escape(facts.model_package_group)} "
                        f"({version.approval})")
        console().print(f"next: review it, then: provision models approve {name} {version.version}")


def _run_job(ctx: "WorkspaceContext", facts: "WorkspaceFacts", plan: Any, *, wait: bool,
             register: bool) -> tuple[str, Any, Any]:
    """Launch (SDK), follow, and register: (job name, outcome, model version); no outcome with --no-wait."""
    from provisioner.ds import require_sdk

    require_sdk("train")
    from provisioner.cloud.access import access_for, environment_of
    from provisioner.ds import registry, sdk_config
    from provisioner.ds.guardrails import format_duration
    from provisioner.ds.training import launch, outcome_error
    from provisioner.ds.workspace import check_account
    from provisioner.errors import OperationFailed

    out = err_console()
    reach = access_for(ctx)
    aws = reach.aws()
    check_account(aws, ctx)
    spot_note = f", spot (waits up to {format_duration(plan.max_wait_seconds or 0)})" if plan.spot else ""
    out.print(f"launching on {plan.instance_count} x {plan.instance_type}{spot_note}, at most "
              f"{format_duration(plan.max_runtime_seconds)}, as {escape(plan.role_arn)}")
    # The SDK reads its endpoint (local cloud) and profile from the environment; a deploy role's assumed
    # credentials are handed to it as a session instead (they never reach os.environ).
    with environment_of(reach.process_env()):
        job = launch(plan, sdk_config.render(ctx, facts), aws.boto3_session(ctx.region) if aws.role_arn else None)
    out.print(f"started training job [bold]{escape(job)}[/]", markup=True)
    if not wait:
        out.print(f"it runs on without provision; see it with: aws sagemaker describe-training-job "
                  f"--training-job-name {escape(job)}")
        return job, None, None
    sagemaker = aws.client("sagemaker", ctx.region)
    outcome = _follow(sagemaker, job)
    if outcome.status != "Completed":
        raise outcome_error(outcome)
    if not register:
        return job, outcome, None
    if not outcome.model_data:
        raise OperationFailed(f"training job {job} completed without model artifacts, so nothing was registered",
                              "check that the training code writes its model to /opt/ml/model")
    return job, outcome, registry.register(sagemaker, facts, image=plan.image, model_data=outcome.model_data,
                                           training_job=job)


def _follow(sagemaker: Any, job: str) -> Any:
    """Follow the job with a spinner (status, elapsed time) and one line per status transition."""
    import time

    from provisioner.ds.training import follow

    out = err_console()
    started = time.monotonic()

    def transition(item: dict[str, Any]) -> None:
        when = item.get("StartTime")
        stamp = when.strftime("%H:%M:%S") if hasattr(when, "strftime") else ""
        message = f": {item['StatusMessage']}" if item.get("StatusMessage") else ""
        out.print(f"  {stamp} {escape(item.get('Status', ''))}{escape(message)}")

    try:
        with out.status(f"training {escape(job)}: starting") as spinner:
            def update(description: dict[str, Any]) -> None:
                elapsed = int(time.monotonic() - started)
                spinner.update(f"training {escape(job)}: {description.get('TrainingJobStatus')} / "
                               f"{description.get('SecondaryStatus')} ({elapsed // 60}m{elapsed % 60:02d}s)")

            return follow(sagemaker, job, on_update=update, on_transition=transition)
    except KeyboardInterrupt:
        out.print(f"stopped following; training job {escape(job)} keeps running in SageMaker "
                  f"(aws sagemaker describe-training-job --training-job-name {escape(job)})")
        raise


def _job_summary(outcome: Any) -> None:
    from provisioner.ds.guardrails import format_duration

    data = outcome.to_dict()
    console().print(f"[green]Completed[/] {escape(outcome.name)}", markup=True)
    if data["training_seconds"]:
        billed = data["billable_seconds"]
        savings = outcome.spot_savings_percent()
        extra = f", billed {format_duration(int(billed))}" if billed is not None else ""
        extra += f" (spot saved {savings:.0f}%)" if savings is not None else ""
        console().print(f"  trained {format_duration(int(data['training_seconds']))}{extra}")
    if data["model_data"]:
        console().print(f"  model: {escape(data['model_data'])}")
    if data["checkpoint_uri"]:
        console().print(f"  checkpoints: {escape(data['checkpoint_uri'])}")


# -- models -----------------------------------------------------------------------------------------

models_app = typer.Typer(help="The workspace's model registry.", no_args_is_help=True)


def _registry(name: str, engine: Optional[str]) -> tuple["WorkspaceContext", "WorkspaceFacts", Any, Any]:
    from provisioner.ds.workspace import environment_session, require_capability

    s = session()
    ctx, facts = _workspace(s, name, engine)
    require_capability(ctx, "registry", "keep models", s.root)
    aws = environment_session(ctx)
    return ctx, facts, aws.client("sagemaker", ctx.region), aws


@models_app.command("list")
def models_list(
    name: str = typer.Argument(..., help="Workspace name."),
    engine: Optional[str] = _engine_option,
    output: OutputFormat = _output_option,
) -> None:
    """Model versions in the workspace registry, newest first."""
    from provisioner.ds.registry import list_versions

    _, facts, sagemaker, _ = _registry(name, engine)
    versions = list_versions(sagemaker, facts)
    if output == OutputFormat.json:
        print_json({"workspace": name, "group": facts.model_package_group, "versions": [v.to_dict() for v in versions]})
        return
    if not versions:
        console().print(f"no models in {escape(facts.model_package_group)} yet; train and register one: "
                        f"provision train {name} --image ... --register")
        return
    from rich.table import Table

    table = Table(title=f"{facts.model_package_group}", title_justify="left", box=None, pad_edge=False)
    for column in ("version", "approval", "status", "created"):
        table.add_column(column, no_wrap=True)
    table.add_column("description")
    for v in versions:
        style = {"Approved": "green", "Rejected": "red"}.get(v.approval, "yellow")
        table.add_row(str(v.version), f"[{style}]{escape(v.approval)}[/]", escape(v.status),
                      v.created.strftime("%Y-%m-%d %H:%M") if v.created else "", escape(v.description))
    console().print(table)


@models_app.command("approve")
def models_approve(
    name: str = typer.Argument(..., help="Workspace name."),
    version: int = typer.Argument(..., help="Version number (see `provision models list NAME`).", min=1),
    note: str = typer.Option("", "--note", help="Approval description recorded in the registry."),
    engine: Optional[str] = _engine_option,
    output: OutputFormat = _output_option,
) -> None:
    """Approve a model version (the registry capability alerts the workspace's topic)."""
    from provisioner.ds.registry import approve
    from provisioner.specs.model_sources import latest_fields

    ctx, facts, sagemaker, aws = _registry(name, engine)
    result, changed = approve(sagemaker, facts, version, note=note, approver=aws.identity(ctx.region).arn)
    # A spec serving `latest-approved` is resolved at synth: the endpoint moves only with the next plan and apply.
    serves_latest = latest_fields(ctx.parameters)
    if output == OutputFormat.json:
        print_json({"workspace": name, "changed": changed, "model": result.to_dict(),
                    **({"next": f"provision plan {name}"} if serves_latest else {})})
        return
    if changed:
        console().print(f"[green]approved[/] version {version} of {escape(facts.model_package_group)}", markup=True)
    else:
        console().print(f"version {version} of {escape(facts.model_package_group)} was already approved; "
                        "nothing changed")
    console().print(f"  {escape(result.arn)}")
    if serves_latest:
        console().print(f"{escape(', '.join(serves_latest))} of {escape(name)} is latest-approved: the endpoint "
                        "serves the newest approved version once a plan picks it up and it is applied")
        console().print(f"next: provision plan {name}")


@models_app.command("promote")
def models_promote(
    project: str = typer.Argument(..., help="Project (a workspace's `project`, default its name)."),
    version: int = typer.Argument(..., help="Approved version in the source workspace's registry.", min=1),
    source_env: str = typer.Option(..., "--from", help="Environment the version comes from (e.g. dev)."),
    target_env: str = typer.Option(..., "--to", help="Next environment on the org's promotion path (e.g. prod)."),
    variant: Optional[str] = typer.Option(None, "--variant", help="Target endpoint variant to serve it "
                                          "(default: the first variant)."),
    source_name: Optional[str] = typer.Option(None, "--source", help="Source workspace, when the project has "
                                              "several in --from."),
    target_name: Optional[str] = typer.Option(None, "--target", help="Target workspace, when the project has "
                                              "several in --to."),
    output: OutputFormat = _output_option,
) -> None:
    """Register an approved version in the next environment's registry and point its spec at it (then plan, review, apply)."""
    from provisioner.ds import promotion
    from provisioner.ds.promotion_copy import copy_into_target
    from provisioner.ds.workspace import environment_session, synthesized_facts
    from provisioner.engine.audit_log import audited

    s = session()
    request = promotion.check_request(s.org, s.catalog, project, version, source_env, target_env, variant,
                                      source_name, target_name)
    source, target = request.source, request.target
    with audited(s.provision_dir, "promote", target.name, target.environment) as entry:
        entry.detail.update({"project": project, "from": f"{source.name} ({source.environment}, "
                             f"account {source.account_id})", "version": version})
        source_aws = environment_session(source)
        source_facts = synthesized_facts(source)
        found = promotion.read_source(source_aws.client("sagemaker", source.region), source_facts, version)
        promotion.check_target_can_read(source_aws, request, source_facts, found)
        target_aws = environment_session(target)
        promoted_by = target_aws.identity(target.region).arn
        approval = promotion.target_approval(s.org.config, target.environment)
        registered, new = promotion.register_in_target(
            target_aws.client("sagemaker", target.region), synthesized_facts(target), found, source.account_id,
            approval=approval, promoted_by=promoted_by,
            copy=lambda: copy_into_target(source_aws, target_aws, source, target, found))
        origin = promotion.origin_entry(registered.arn, found, promoted_by)
        path, changed = promotion.change_spec(s.org, s.catalog, request, registered.arn, origin)
        result = promotion.Promotion(
            project=project, source_arn=found.arn, source_account=source.account_id, target_arn=registered.arn,
            target_account=target.account_id, approval=registered.approval, approved_by=found.approved_by,
            promoted_by=promoted_by, registered=new, spec=shown(path), spec_changed=changed, variant=request.variant)
        entry.detail.update({"source_arn": found.arn, "target_arn": registered.arn, "approved_by": found.approved_by,
                             "approval": registered.approval, "spec_changed": changed})
        entry.result = "ok"
    if output == OutputFormat.json:
        print_json({**result.to_dict(), "next": f"provision plan {target.name}"})
        return
    out = console()
    verb = "registered" if new else "already registered"
    out.print(f"{verb} {escape(found.arn)} (approved by {escape(found.approved_by)}) in {escape(target.name)} "
              f"({target.environment}, account {target.account_id}) as {escape(registered.arn)} ({registered.approval})")
    if changed:
        out.print(f"updated {escape(result.spec)}: {escape(request.variant)} serves it (model_package, model_origins)")
    else:
        out.print(f"{escape(result.spec)} already serves it; nothing changed")
    if registered.approval != promotion.APPROVED:
        out.print(f"approve it in {target.environment} before it can serve: provision models approve "
                  f"{target.name} {registered.version}")
    out.print("the endpoint changes only when this goes through review and apply")
    out.print(f"next: provision plan {target.name}")


# -- endpoint weights -------------------------------------------------------------------------------

endpoint_app = typer.Typer(help="The workspace's endpoint, changed through its spec.", no_args_is_help=True)


@endpoint_app.command("weights")
def endpoint_weights(
    name: str = typer.Argument(..., help="Workspace name."),
    weights: list[str] = typer.Argument(..., help="VARIANT=WEIGHT pairs, e.g. champion=80 challenger=20."),
    output: OutputFormat = _output_option,
) -> None:
    """Change variant weights in workspaces/NAME.yaml (validated; comments kept); then plan, review, apply."""
    from provisioner.ds.weights import change_weights, parse_assignments, traffic_shares

    wanted = parse_assignments(weights)
    s = session()
    path, changes, final = change_weights(s.org, s.catalog, name, wanted)
    shares = traffic_shares(final)
    if output == OutputFormat.json:
        print_json({"workspace": name, "spec": str(path), "changed": [c.to_dict() for c in changes],
                    "weights": final, "traffic_percent": shares, "next": f"provision plan {name}"})
        return
    if not changes:
        console().print(f"{shown(path)}: the weights are already {', '.join(f'{k}={v:g}' for k, v in final.items())}; "
                        "nothing changed")
        return
    changed = {c.variant: c for c in changes}
    console().print(f"updated {escape(shown(path))}:")
    for variant, weight in final.items():
        before = f"{changed[variant].old:g} -> " if variant in changed else ""
        console().print(f"  {escape(variant)}: weight {before}{weight:g} ({shares[variant]:.1f}% of traffic)")
    console().print("the endpoint changes only when this goes through review and apply")
    console().print(f"next: provision plan {name}")


@endpoint_app.command("promote")
def endpoint_promote(
    name: str = typer.Argument(..., help="Workspace name."),
    variant: str = typer.Argument(..., help="The production variant that is to serve all traffic."),
    output: OutputFormat = _output_option,
) -> None:
    """Write workspaces/NAME.yaml so VARIANT serves all traffic (others drained to 0); then plan, review, apply."""
    from provisioner.ds.weights import change_weights, promotion_weights, traffic_shares
    
    s = session()
    wanted = promotion_weights(s.org, s.catalog, name, variant)
    path, changes, final = change_weights(s.org, s.catalog, name, wanted)
    from provisioner.specs.workspaces import load_named

    rollout = load_named(s.org, s.catalog, name).rollout
    how = (f"rolls out {rollout.strategy}" + (", rolled back if a 5XX or latency alarm fires"
                                              if rollout.rollback_on_alarms else "")
           if rollout else "rolls out as a plain SageMaker endpoint update")
    if output == OutputFormat.json:
        print_json({"workspace": name, "spec": str(path), "promoted": variant,
                    "changed": [c.to_dict() for c in changes], "weights": final,
                    "traffic_percent": traffic_shares(final), "rollout": how, "next": f"provision plan {name}"})
        return
    if not changes:
        console().print(f"{escape(shown(path))}: {escape(variant)} already serves all traffic; nothing changed")
        return
    console().print(f"updated {escape(shown(path))}: {escape(variant)} serves all traffic")
    for c in changes:
        console().print(f"  {escape(c.variant)}: weight {c.old:g} -> {c.new:g}")
    console().print(f"after review and apply the endpoint {how}")
    console().print(f"next: provision plan {name}")


@endpoint_app.command("report")
def endpoint_report(
    name: str = typer.Argument(..., help="Workspace name."),
    since: str = typer.Option(None, "--since", help="The experiment's start: a date or time in UTC (2026-11-20, "
                              "2026-11-20T14:00) or a duration back from now (12h, 7d; at most 63d). Default: when "
                              "the endpoint's configuration last changed."),
    fmt: str = typer.Option("text", "--format", help="text, md or json."),
    output: Optional[OutputFormat] = typer.Option(None, "--output", "-o", show_default=False,
                                                  help="`--output json` is `--format json`, as in every command."),
) -> None:
    """Per-variant traffic, latency, errors and quality, and whether the challenger beats the champion."""
    import datetime as dt

    from provisioner.cloud.access import access_for
    from provisioner.cloud.aws import aws_errors
    from provisioner.ds.ab_report import Settings, endpoint_start, fetch, parse_since, readout, render_text
    from provisioner.ds.workspace import check_account, require_capability
    from provisioner.errors import InvalidInput
    from provisioner.monitoring.evaluate import COUNTS_OF, NAMESPACE, QUALITY_COUNTS
    from provisioner.specs.workspaces import load_named

    from provisioner.cli._output import report_format

    fmt = report_format(fmt, output)
    if fmt not in ("text", "md", "json"):
        raise InvalidInput.single("<command line>", "--format", f"{fmt!r} is not a format of this report",
                                  "use text, md or json")
    now = clock.now().replace(microsecond=0)
    start = parse_since(since, now) if since is not None else None  # bad input is exit 2 before anything calls AWS
    s = session()
    ctx = load_named(s.org, s.catalog, name)
    require_capability(ctx, "serving", "serve a model", s.root)
    from infra.serving_names import ServingNames

    settings = ctx.monitoring_settings
    endpoint = ServingNames.of(ctx).endpoint
    variants = [(v["name"], float(v.get("weight", 1))) for v in ctx.param("serving.variants") or []]
    aws = access_for(ctx).aws()  # the workspace's environment: AWS, or the local cloud
    check_account(aws, ctx)
    if start is None:
        with aws_errors(f"reading when the endpoint {endpoint} last changed"):
            start = endpoint_start(aws.client("sagemaker", ctx.region), endpoint, now)
    counts = {key: QUALITY_COUNTS[key] for key in COUNTS_OF[settings.problem_type]}
    with aws_errors(f"reading the CloudWatch metrics of {name}"):
        data, notes = fetch(aws.client("cloudwatch", ctx.region), workspace=ctx.name, endpoint=endpoint,
                            variants=variants, quality_namespace=NAMESPACE, quality_counts=counts,
                            start=start.when, end=now)
    report = readout(data, Settings(quality_metric=settings.quality_metric, problem_type=settings.problem_type,
                                    **dict(ctx.ab_test)), workspace=ctx.name, endpoint=endpoint, start=start,
                     end=now, notes=notes)
    if fmt == "json":
        print_json(report.to_dict())
        return
    console().print(escape(render_text(report, markdown=fmt == "md")), end="")


def register(app: typer.Typer) -> None:
    app.command("env")(env)
    app.command("train")(train)
    app.add_typer(models_app, name="models")
    app.add_typer(endpoint_app, name="endpoint")
