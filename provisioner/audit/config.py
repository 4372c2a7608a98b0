"""The configuration under audit: synthesized Terraform JSON, a saved plan, or both.

`load_config(cdk.tf.json)` reads what cdktn wrote: references stay as
`${aws_kms_key.key.arn}` strings. `load_plan(plan.json, base=config)` reads
`terraform show -json` output and overlays the planned values on the config,
keeping the config's reference wherever the plan only knows "(known after
apply)", so a rule sees concrete values where Terraform has them and the
reference otherwise.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from provisioner.audit.iam import PolicyDocument, parse_policy
from provisioner.audit.resources import Resource, blocks, is_reference, references
from provisioner.errors import InvalidInput

# Attributes whose literal value identifies a resource when another resource names it
# by value rather than by reference (as planned values do).
IDENTITY_ATTRIBUTES = ("arn", "id", "bucket", "name", "model_package_group_name", "tracking_server_name", "key_id")


@dataclass
class WorkspaceFacts:
    """What the rules may know about the workspace beyond the Terraform config."""

    name: str = ""
    org: str = ""
    environment: str = ""
    blueprint: str = ""
    capabilities: tuple[str, ...] = ()
    tags: dict[str, str] = field(default_factory=dict)
    required_tags: tuple[str, ...] = ()
    parameters: dict[str, Any] = field(default_factory=dict)
    guardrails: dict[str, Any] = field(default_factory=dict)
    canaries: tuple[str, ...] = ()  # values that must never appear in any artifact
    account_id: str = ""  # the workspace's own account
    org_accounts: tuple[str, ...] = ()  # the accounts of every environment of the org
    model_origins: tuple[dict[str, str], ...] = ()  # the spec's provenance of promoted model versions
    deploy_role_arn: str = ""  # the role plan/apply assume in the workspace's account, if the org names one

    @classmethod
    def from_context(cls, ctx: Any, extra_canaries: Iterable[str] = ()) -> "WorkspaceFacts":
        from provisioner.audit.secrets import secret_parameter_values

        return cls(
            name=ctx.name,
            org=ctx.org,
            environment=ctx.environment,
            blueprint=ctx.blueprint.ref,
            capabilities=tuple(ctx.capabilities),
            tags=dict(ctx.tags),
            required_tags=tuple(sorted(ctx.tags)),
            parameters=dict(ctx.parameters),
            guardrails=ctx.guardrails.model_dump(),
            canaries=tuple(secret_parameter_values(ctx.parameters)) + tuple(c for c in extra_canaries if c),
            account_id=ctx.account_id,
            org_accounts=tuple(getattr(ctx, "org_accounts", ())),
            model_origins=tuple(getattr(ctx, "model_origins", ())),
            deploy_role_arn=ctx.env.deploy_role_arn or "",
        )


class Config:
    """An indexed Terraform configuration: resources by address and by type."""

    def __init__(
        self,
        resources: Iterable[Resource],
        *,
        source: str,
        path: Path | None = None,
        default_tags: Mapping[str, Mapping[str, str]] | None = None,
        raw: Mapping[str, Any] | None = None,
        workspace: WorkspaceFacts | None = None,
    ) -> None:
        self.source = source  # "config" or "plan"
        self.path = path
        self.raw = raw or {}
        self.workspace = workspace
        self.default_tags = {k: dict(v) for k, v in (default_tags or {}).items()}  # provider alias -> tags
        self.resources: dict[str, Resource] = {}
        self.by_type: dict[str, list[Resource]] = {}
        for resource in resources:
            self.resources[resource.address] = resource
            self.by_type.setdefault(resource.type if resource.mode == "managed" else "data." + resource.type, []).append(resource)
        self._policy_cache: dict[str, Any] = {}

    # -- lookups ---------------------------------------------------------------------
    def managed(self) -> list[Resource]:
        return [r for r in self.resources.values() if r.mode == "managed"]

    def of_type(self, *types: str) -> list[Resource]:
        return [r for t in types for r in self.by_type.get(t, [])]

    def data(self, type_: str) -> list[Resource]:
        return self.by_type.get("data." + type_, [])

    def get(self, address: str) -> Resource | None:
        return self.resources.get(address) or self.resources.get(address.split("[", 1)[0])

    def referenced(self, value: Any, *types: str) -> list[Resource]:
        """Resources (of the given types) that a value refers to, by reference or by literal identity."""
        found: dict[str, Resource] = {}
        for address, _ in references(value):
            resource = self.get(address)
            if resource is not None and (not types or resource.type in types):
                found[resource.address] = resource
        if not found:
            literals = _literals(value)
            if literals:
                for resource in self.of_type(*types) if types else self.managed():
                    if literals & _identity(resource):
                        found[resource.address] = resource
        return list(found.values())

    def refers_to(self, value: Any, target: Resource) -> bool:
        if any(self._same(address, target) for address, _ in references(value)):
            return True
        literals = _literals(value)
        return bool(literals and literals & _identity(target))

    def _same(self, address: str, target: Resource) -> bool:
        return address == target.address or address.split("[", 1)[0] == target.address.split("[", 1)[0]

    def attached(self, type_: str, attribute: str, target: Resource) -> list[Resource]:
        """Resources of `type_` whose `attribute` points at `target` (for example a bucket's versioning)."""
        return [r for r in self.of_type(type_) if self.refers_to(r.values.get(attribute), target)]

    def label(self, resource: Resource) -> str:
        """A name a person recognizes: the physical name, a key's alias, or `type.name`."""
        if resource.type == "aws_kms_key":
            for alias in self.of_type("aws_kms_alias"):
                if self.refers_to(alias.values.get("target_key_id"), resource) and isinstance(alias.values.get("name"), str):
                    return alias.values["name"]
        name = resource.display_name
        return name if name != resource.name else f"{resource.type.removeprefix('aws_')}.{resource.name}"

    def effective_tags(self, resource: Resource) -> dict[str, str]:
        alias = resource.provider.split(".", 1)[1] if "." in resource.provider else ""
        tags = dict(self.default_tags.get(alias, {}))
        for key in ("tags", "tags_all"):
            value = resource.values.get(key)
            if isinstance(value, Mapping):
                tags.update({str(k): str(v) for k, v in value.items()})
        return tags

    def policy(self, value: Any) -> PolicyDocument | None:
        """The policy document a value holds or points at (see provisioner.audit.iam)."""
        key = json.dumps(value, sort_keys=True, default=str)
        if key not in self._policy_cache:
            self._policy_cache[key] = parse_policy(value, self)
        return self._policy_cache[key]


def _literals(value: Any) -> set[str]:
    if isinstance(value, str) and value and not is_reference(value):
        return {value}
    if isinstance(value, list):
        return {v for v in value if isinstance(v, str) and v and not is_reference(v)}
    return set()


def _identity(resource: Resource) -> set[str]:
    out = set()
    for key in IDENTITY_ATTRIBUTES:
        value = resource.values.get(key)
        if isinstance(value, str) and value and not is_reference(value):
            out.add(value)
    return out


# -- loading -------------------------------------------------------------------------
def _read_json(path: Path, what: str) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInput.single(path, "", f"{what} not found", "run `provision synth` (or `provision plan`) first") from None
    except (OSError, ValueError) as exc:
        raise InvalidInput.single(path, "", f"{what} is not valid JSON ({exc})", "synthesize it again") from None
    if not isinstance(data, dict):
        raise InvalidInput.single(path, "", f"{what} must be a JSON object")
    return data


def provider_default_tags(raw: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    result: dict[str, dict[str, str]] = {}
    providers = (raw.get("provider") or {}).get("aws") or []
    for provider in providers if isinstance(providers, list) else [providers]:
        if not isinstance(provider, Mapping):
            continue
        tags: dict[str, str] = {}
        for block in blocks(provider.get("default_tags")):
            if isinstance(block.get("tags"), Mapping):
                tags.update({str(k): str(v) for k, v in block["tags"].items()})
        result[str(provider.get("alias") or "")] = tags
    return result


def recorded_capabilities(raw: Mapping[str, Any]) -> dict[str, str]:
    """Address -> capability, as the stack build recorded it in the config's `"//"` comment block."""
    record = ((raw.get("//") or {}).get("provision") or {}).get("capabilities") or {}
    return {str(k): str(v) for k, v in record.items()} if isinstance(record, Mapping) else {}


def config_from_dict(raw: Mapping[str, Any], *, path: Path | None = None, workspace: WorkspaceFacts | None = None) -> Config:
    resources: list[Resource] = []
    capabilities = recorded_capabilities(raw)
    for mode, section in (("managed", "resource"), ("data", "data")):
        for type_, items in (raw.get(section) or {}).items():
            if not isinstance(items, Mapping):
                continue
            for name, values in items.items():
                if not isinstance(values, Mapping):
                    continue
                meta = (values.get("//") or {}).get("metadata") or {}
                clean = {k: v for k, v in values.items() if k != "//"}
                address = f"{type_}.{name}" if mode == "managed" else f"data.{type_}.{name}"
                resources.append(Resource(address, type_, name, clean, mode=mode, path=str(meta.get("path", "")),
                                          capability=capabilities.get(address, ""),
                                          provider=str(clean.get("provider", "aws")).removeprefix("${").removesuffix("}")))
    resources.extend(_meta_resources(raw))
    return Config(resources, source="config", path=path, default_tags=provider_default_tags(raw), raw=raw, workspace=workspace)


def _meta_resources(raw: Mapping[str, Any]) -> list[Resource]:
    """Outputs, variables, locals, providers and the backend, as `meta` resources (for the secrets rule)."""
    out: list[Resource] = []
    for section in ("output", "variable"):
        for name, values in (raw.get(section) or {}).items():
            if isinstance(values, Mapping):
                clean = {k: v for k, v in values.items() if k != "//"}
                out.append(Resource(f"{section}.{name}", section, name, clean, mode="meta"))
    if isinstance(raw.get("locals"), Mapping) and raw["locals"]:
        out.append(Resource("locals", "locals", "locals", dict(raw["locals"]), mode="meta"))
    for provider_type, entries in (raw.get("provider") or {}).items():
        for index, entry in enumerate(entries if isinstance(entries, list) else [entries]):
            if isinstance(entry, Mapping):
                alias = entry.get("alias") or (str(index) if index else "")
                out.append(Resource(f"provider.{provider_type}" + (f".{alias}" if alias else ""), "provider", provider_type,
                                    dict(entry), mode="meta"))
    backend = (raw.get("terraform") or {}).get("backend")
    if isinstance(backend, Mapping):
        for kind, values in backend.items():
            if isinstance(values, Mapping):
                out.append(Resource(f"terraform.backend.{kind}", "backend", kind, dict(values), mode="meta"))
    return out


def load_config(path: Path, workspace: WorkspaceFacts | None = None) -> Config:
    """Read a synthesized `cdk.tf.json`."""
    return config_from_dict(_read_json(path, "synthesized config"), path=Path(path), workspace=workspace)


def _module_resources(module: Mapping[str, Any]) -> Iterable[Mapping[str, Any]]:
    yield from module.get("resources") or []
    for child in module.get("child_modules") or []:
        yield from _module_resources(child)


def _has_unknown(marker: Any) -> bool:
    if marker is True:
        return True
    if isinstance(marker, Mapping):
        return any(_has_unknown(v) for v in marker.values())
    if isinstance(marker, list):
        return any(_has_unknown(v) for v in marker)
    return False


def plan_from_dict(raw: Mapping[str, Any], *, path: Path | None = None, base: Config | None = None,
                   workspace: WorkspaceFacts | None = None) -> Config:
    """Resources as planned; attributes Terraform cannot know yet keep the config's expression."""
    unknown: dict[str, Mapping[str, Any]] = {}
    for change in raw.get("resource_changes") or []:
        unknown[change.get("address", "")] = (change.get("change") or {}).get("after_unknown") or {}
    entries: dict[str, Mapping[str, Any]] = {}
    for section in ("prior_state", "planned_values"):
        holder = raw.get(section) or {}
        module = holder.get("values", {}).get("root_module") if section == "prior_state" else holder.get("root_module")
        for item in _module_resources(module or {}):
            if section == "prior_state" and item.get("mode") != "data":
                continue
            entries[item["address"]] = item
    resources: list[Resource] = []
    for address, item in entries.items():
        values = dict(item.get("values") or {})
        base_resource = base.get(address) if base is not None else None
        if base_resource is not None:
            marks = unknown.get(address, {})
            for key, config_value in base_resource.values.items():
                if values.get(key) is None or _has_unknown(marks.get(key)):
                    values[key] = config_value
        resources.append(Resource(address, item.get("type", ""), item.get("name", ""), values,
                                  mode=item.get("mode", "managed"), path=base_resource.path if base_resource else "",
                                  capability=base_resource.capability if base_resource else "",
                                  provider=_provider_alias(item.get("provider_name", "aws"), base_resource)))
    known = {r.address for r in resources}
    if base is not None:  # data sources and resources the plan does not list (for example, unchanged reads)
        resources.extend(r for r in base.resources.values() if r.address not in known)
    default_tags = base.default_tags if base is not None else provider_default_tags(
        ((raw.get("configuration") or {}).get("provider_config") or {}))
    return Config(resources, source="plan", path=path, default_tags=default_tags, raw=raw,
                  workspace=workspace or (base.workspace if base else None))


def _provider_alias(provider_name: str, base: Resource | None) -> str:
    return base.provider if base is not None else "aws"


def load_plan(path: Path, base: Config | None = None, workspace: WorkspaceFacts | None = None) -> Config:
    """Read `terraform show -json` output of a saved plan."""
    return plan_from_dict(_read_json(path, "plan JSON"), path=Path(path), base=base, workspace=workspace)


def locate_lines(path: Path | None, resources: Iterable[Resource]) -> dict[str, int]:
    """1-based line of each resource's key in a pretty-printed JSON file (for SARIF regions)."""
    if path is None or not Path(path).is_file():
        return {}
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    result: dict[str, int] = {}
    wanted = {(r.type, r.name): r.address for r in resources}
    current_type = None
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped.endswith("{") or not stripped.startswith('"'):
            continue
        key = stripped.split('"')[1]
        indent = len(line) - len(line.lstrip())
        if indent == 4:
            current_type = key
        elif indent == 6 and current_type and (current_type, key) in wanted:
            result[wanted[(current_type, key)]] = number
    return result
