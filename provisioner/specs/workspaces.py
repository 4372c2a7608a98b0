"""Loads workspace specs and resolves them against the org config and the catalog."""

from __future__ import annotations

import difflib
import os
import secrets
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from provisioner.catalog.loader import Catalog
from provisioner.errors import InvalidInput, Problem, ProblemCollector
from provisioner.models._base import problems_from_validation, read_yaml
from provisioner.models.monitoring import MonitoringScript
from provisioner.models.org import Org
from provisioner.models.resolved import Peer, WorkspaceContext
from provisioner.models.workspace import WorkspaceSpec
from provisioner.specs.checks import run_checks


def standard_tags(org: str, spec: WorkspaceSpec, blueprint_ref: str) -> dict[str, str]:
    from infra.tagging import TAG_BLUEPRINT, TAG_ENVIRONMENT, TAG_ORG, TAG_OWNER, TAG_TEAM, TAG_WORKSPACE

    return {
        TAG_ORG: org,
        TAG_WORKSPACE: spec.name,
        TAG_ENVIRONMENT: spec.environment,
        TAG_BLUEPRINT: blueprint_ref,
        TAG_OWNER: spec.owner,
        TAG_TEAM: spec.team,
    }


def parse_spec(data: Any, file: str | Path) -> WorkspaceSpec:
    if not isinstance(data, dict):
        raise InvalidInput.single(file, "", f"expected a mapping at the top level, got {type(data).__name__}")
    try:
        return WorkspaceSpec.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(problems_from_validation(file, exc, model=WorkspaceSpec)) from None


def check_spec(data: Any, org: Org, catalog: Catalog, file: str | Path, source: Path | None = None) -> WorkspaceContext:
    """A spec's every layer in one pass, so that all its problems come at once: its schema, then, on every
    field the schema accepted, the org config (environment, required tags), the blueprint and its
    parameters, and the capability checks. A misspelled field does not hide the parameter errors behind it.
    """
    if not isinstance(data, dict):
        raise InvalidInput.single(file, "", f"expected a mapping at the top level, got {type(data).__name__}")
    problems: list[Problem] = []
    if source is not None and isinstance(data.get("name"), str) and data["name"] != source.stem:
        problems.append(Problem(str(file), "name", f"{data['name']!r} does not match the file name {source.name!r}",
                                f"rename the file to {data['name']}.yaml or fix `name`"))
    try:
        spec = WorkspaceSpec.model_validate(data)
    except ValidationError as exc:
        problems += problems_from_validation(file, exc, model=WorkspaceSpec)
        rejected = {error["loc"][0] for error in exc.errors() if error["loc"]}
        # A misspelled key (`tag:`) stands for the field it was meant to be: skip that field's checks too.
        rejected |= {close for key in data if key not in WorkspaceSpec.model_fields
                     for close in difflib.get_close_matches(str(key), list(WorkspaceSpec.model_fields), n=1)}
        accepted = {key: value for key, value in data.items()
                    if key in WorkspaceSpec.model_fields and key not in rejected}
        problems += _org_layers(file, org, catalog, accepted, rejected)[0]
        raise InvalidInput(problems) from None
    if problems:
        raise InvalidInput(problems + _org_layers(file, org, catalog, data, set())[0])
    return resolve(spec, org, catalog, file, source=source)


# The spec field each check context comes from (provisioner/specs/checks: CONTEXT).
CONTEXT_FIELDS = {"environment": "environment", "env": "environment", "members": "members", "owner": "owner",
                  "workspace": "name"}


def _org_layers(file: str | Path, org: Org, catalog: Catalog, fields: dict[str, Any], rejected: set[Any]
                ) -> tuple[list[Problem], Any, Any, dict[str, Any]]:
    """The checks past the schema, on the fields of a spec the schema accepted (a rejected or missing field
    skips the checks that need it): (problems, blueprint entry, environment, effective parameters)."""
    problems = ProblemCollector()
    environment = fields.get("environment")
    env = org.config.environments.get(environment) if isinstance(environment, str) else None
    if isinstance(environment, str) and env is None:
        problems.extend([org.unknown_environment(environment, file, "environment")])
    if "tags" not in rejected:
        tags = fields.get("tags") or {}
        for key in org.config.required_tags:
            if not tags.get(key):
                problems.add(file, f"tags.{key}", "missing required tag",
                             f"the org requires tags: {', '.join(org.config.required_tags)}")
    entry = None
    blueprint = fields.get("blueprint")
    if isinstance(blueprint, str):
        try:
            entry = catalog.resolve(blueprint, file=file)
        except InvalidInput as exc:
            problems.extend(exc.problems)  # unknown: that is the problem, not its missing version
        else:
            if "@" not in blueprint:
                problems.add(file, "blueprint", f"{blueprint!r} has no version",
                             f"pin one, for example {entry.blueprint.ref} (see `provision blueprints show {blueprint}`)")
    parameters: dict[str, Any] = {}
    if entry is not None and "parameters" not in rejected:
        from provisioner.specs.parameters import effective_parameters

        parameters, issues = effective_parameters(entry.blueprint, fields.get("parameters") or {},
                                                  org.config.guardrails)
        if not issues:  # the capability checks read well-formed parameters only
            members = fields.get("members") if "members" not in rejected else None
            # Context drawn from a field the schema rejected is not there: checks that need it wait for a fix.
            unavailable = frozenset(context for context, field in CONTEXT_FIELDS.items() if field in rejected)
            issues = run_checks(list(entry.blueprint.capabilities), parameters, org.config.guardrails, unavailable,
                                environment=environment if env is not None else "", env=env,
                                members=tuple(members or ()), owner=str(fields.get("owner") or ""),
                                org_monitoring=org.config.monitoring, org=org.name,
                                workspace=str(fields.get("name") or "") if "name" not in rejected else "",
                                adopted=tuple(sorted((fields.get("adopted") or {}).items()))
                                if "adopted" not in rejected and isinstance(fields.get("adopted"), dict) else ())
        for field, message, hint in issues:
            problems.add(file, field, message, hint)
    if entry is not None and fields.get("ab_test") is not None and "ab_test" not in rejected \
            and "serving" not in entry.blueprint.capabilities:
        problems.add(file, "ab_test", f"blueprint {entry.blueprint.ref} serves no endpoint, so there is no A/B "
                     "test to read out", "remove ab_test, or use a blueprint with the serving capability")
    if entry is not None and isinstance(fields.get("adopted"), dict) and "adopted" not in rejected:
        from infra.adoption import ADOPTABLE

        for component in fields["adopted"]:
            adoptable = ADOPTABLE.get(component)
            if adoptable is not None and adoptable.capability not in entry.blueprint.capabilities:
                problems.add(file, f"adopted.{component}", f"blueprint {entry.blueprint.ref} creates no "
                             f"{adoptable.what} (it has no {adoptable.capability} capability)",
                             "remove it from adopted, or use a blueprint that creates one")
    return problems.problems, entry, env, parameters


def resolve(spec: WorkspaceSpec, org: Org, catalog: Catalog, file: str | Path, source: Path | None = None) -> WorkspaceContext:
    """Check a parsed spec against the org and its blueprint; report every problem at once."""
    found, entry, env, parameters = _org_layers(file, org, catalog, spec.model_dump(), set())
    promotes_to, promoted_from = promotion_peers(org, spec)
    if found:
        raise InvalidInput(found)
    assert entry is not None and env is not None
    tags = {**spec.tags, **standard_tags(org.name, spec, entry.blueprint.ref)}
    return WorkspaceContext(
        org=org.name,
        name=spec.name,
        environment=spec.environment,
        env=env,
        blueprint=entry.blueprint,
        owner=spec.owner,
        team=spec.team,
        tags=dict(sorted(tags.items())),
        parameters=parameters,
        guardrails=org.config.guardrails,
        expires=spec.expires,
        suppressions=tuple(entry.blueprint.suppressions) + tuple(spec.suppressions),
        members=tuple(spec.members),
        spec_path=source.resolve() if source else None,
        blueprint_path=entry.path,
        monitoring=org.config.monitoring,
        org_root=org.root,
        monitoring_script=_monitoring_script() if "monitoring" in entry.blueprint.capabilities else None,
        project=spec.project_name,
        promotes_to=promotes_to,
        promoted_from=promoted_from,
        org_accounts=tuple(sorted({e.account_id for e in org.config.environments.values()})),
        model_origins=tuple(o.model_dump() for o in spec.model_origins),
        ab_test=spec.ab_test.readout() if spec.ab_test is not None else (),
        adopted=tuple(sorted(spec.adopted.items())),
    )


def _monitoring_script() -> MonitoringScript:
    from provisioner.monitoring import script

    return script()


# --- projects and the promotion path ----------------------------------------------------------------

_PROJECTS_ATTR = "_provision_project_index"


def project_index(org: Org) -> dict[str, list[tuple[str, str]]]:
    """Project -> [(workspace, environment)] of every spec in the org, read once per loaded org.

    Only `name`, `project` and `environment` are read here; a spec that does not even parse is left
    out (loading it on its own reports why).
    """
    cached = getattr(org, _PROJECTS_ATTR, None)
    if cached is not None:
        return cached
    index: dict[str, list[tuple[str, str]]] = {}
    for path in workspace_files(org):
        try:
            data = read_yaml(path)
        except InvalidInput:
            continue
        if not isinstance(data, dict) or not isinstance(data.get("name"), str):
            continue
        project = data.get("project") or data["name"]
        index.setdefault(str(project), []).append((data["name"], str(data.get("environment", ""))))
    setattr(org, _PROJECTS_ATTR, index)
    return index


def promotion_peers(org: Org, spec: WorkspaceSpec) -> tuple[tuple[Peer, ...], tuple[Peer, ...]]:
    """The workspaces this one promotes models to (next environment) and receives them from (previous one)."""
    config = org.config
    if not config.promotion or spec.environment not in config.promotion:
        return (), ()
    members = {(n, e) for n, e in project_index(org).get(spec.project_name, []) if n != spec.name}

    def peers(environment: str | None) -> list[Peer]:
        if environment is None or environment not in config.environments:
            return []
        env = config.environments[environment]
        return [Peer(name, environment, env.account_id, env.region)
                for name, where in sorted(members) if where == environment]

    return (tuple(peers(config.promotion_target(spec.environment))),
            tuple(peers(config.promotion_source(spec.environment))))


def spec_path(org: Org, name: str) -> Path:
    return org.workspaces_dir / f"{name}.yaml"


def already_exists(shown: str | Path, name: str) -> InvalidInput:
    return InvalidInput.single(shown, "", f"workspace {name!r} already exists",
                               "pick another name, or edit the spec through review")


def write_new_spec(path: Path, text: str, shown: str | Path) -> None:
    """Write a new spec atomically, never over an existing one, even one another request wrote meanwhile.

    The text goes to a temporary file first, which is then hard-linked to its name: the link fails if the
    name exists, so of two requests racing for one name exactly one wins and the other is told the name
    is taken. The temporary file is created with mode 0666 less the umask, as any file the user writes
    (mkstemp's 0600 would leave the spec unlike its siblings).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise already_exists(shown, path.stem) from None
    finally:
        os.unlink(tmp)


def load_spec(path: Path, shown: str | Path | None = None) -> WorkspaceSpec:
    shown = shown or path
    spec = parse_spec(_read_spec(path, shown), shown)
    if path.stem != spec.name:
        raise InvalidInput.single(shown, "name", f"{spec.name!r} does not match the file name {path.name!r}",
                                  f"rename the file to {spec.name}.yaml or fix `name`")
    return spec


def load_workspace(org: Org, catalog: Catalog, path: Path) -> WorkspaceContext:
    shown = _display(path, org)
    return check_spec(_read_spec(path, shown), org, catalog, shown, source=path)


def _read_spec(path: Path, shown: str | Path) -> Any:
    try:
        return read_yaml(path)
    except InvalidInput as exc:
        raise InvalidInput([Problem(str(shown), p.field, p.message, p.hint) for p in exc.problems]) from None


def _display(path: Path, org: Org) -> str:
    try:
        return str(path.resolve().relative_to(org.root.resolve()))
    except ValueError:
        return str(path)


def workspace_files(org: Org) -> list[Path]:
    return sorted(org.workspaces_dir.glob("*.yaml")) if org.workspaces_dir.is_dir() else []


def load_named(org: Org, catalog: Catalog, name: str) -> WorkspaceContext:
    path = spec_path(org, name)
    if not path.is_file():
        known = ", ".join(p.stem for p in workspace_files(org)) or "none"
        raise InvalidInput.single(path.relative_to(org.root) if path.is_relative_to(org.root) else path, "",
                                  f"no workspace named {name!r}", f"workspaces: {known}; create one with `provision request`")
    return load_workspace(org, catalog, path)


def load_all(org: Org, catalog: Catalog, paths: list[Path] | None = None) -> list[WorkspaceContext]:
    """Load many specs, collecting the problems of all of them before failing."""
    contexts: list[WorkspaceContext] = []
    problems: list[Problem] = []
    for path in paths if paths is not None else workspace_files(org):
        try:
            contexts.append(load_workspace(org, catalog, path))
        except InvalidInput as exc:
            problems.extend(exc.problems)
    if problems:
        raise InvalidInput(problems)
    return contexts
