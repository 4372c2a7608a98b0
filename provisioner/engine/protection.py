"""Protected resources: what a plain destroy keeps, and how `--include-protected` removes them.

The CDK layer marks stateful resources (buckets, keys, the model registry)
with `lifecycle.prevent_destroy = true` in `cdk.tf.json`. Terraform refuses any
plan that would destroy one, so:

- a plain destroy targets every managed resource in the state except the
  protected ones and whatever they depend on (destroying a dependency would
  destroy its dependents too);
- `--include-protected` lifts the protection for that one run with a
  Terraform override file (`*_override.tf.json`, merged argument by argument
  into the lifecycle block), removed again as soon as the plan is made. The
  synthesized config itself is never edited: the synth cache trusts it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

OVERRIDE_FILE = "zz_provision_destroy_override.tf.json"


def protected_addresses(config: dict[str, Any]) -> list[str]:
    """`type.name` of every resource whose lifecycle says `prevent_destroy`."""
    found = []
    for rtype, items in (config.get("resource") or {}).items():
        for name, body in (items or {}).items():
            lifecycle = (body or {}).get("lifecycle") or {}
            if isinstance(lifecycle, list):  # the block-list form of the JSON syntax
                lifecycle = lifecycle[0] if lifecycle else {}
            if lifecycle.get("prevent_destroy") in (True, "true"):
                found.append(f"{rtype}.{name}")
    return sorted(found)


def _state_graph(state: dict[str, Any] | None) -> dict[str, set[str]]:
    """address -> addresses it depends on, for the managed resources in a state."""
    graph: dict[str, set[str]] = {}
    for resource in (state or {}).get("resources", []):
        if resource.get("mode") != "managed":
            continue
        prefix = f"{resource['module']}." if resource.get("module") else ""
        address = f"{prefix}{resource['type']}.{resource['name']}"
        deps = graph.setdefault(address, set())
        for instance in resource.get("instances", []):
            deps.update(d.split("[", 1)[0] for d in instance.get("dependencies", []) or [])
    return graph


def destroy_targets(state: dict[str, Any] | None, protected: list[str]) -> tuple[list[str], dict[str, str]]:
    """(targets for a destroy that spares protected resources, kept address -> why)."""
    graph = _state_graph(state)
    kept: dict[str, str] = {}
    for address in protected:
        if address in graph:
            kept[address] = "protected"
    todo = list(kept)
    while todo:
        holder = todo.pop()
        for dep in graph.get(holder, ()):
            if dep in graph and dep not in kept:
                kept[dep] = f"{holder} (protected) depends on it"
                todo.append(dep)
    return sorted(a for a in graph if a not in kept), kept


@contextmanager
def unprotected(stack_dir: Path, addresses: list[str]) -> Iterator[Path | None]:
    """Lift `prevent_destroy` for `addresses` while the block runs (an override file next to the config)."""
    if not addresses:
        yield None
        return
    override: dict[str, Any] = {"resource": {}}
    for address in addresses:
        rtype, name = address.rsplit(".", 1)
        override["resource"].setdefault(rtype, {})[name] = {"lifecycle": {"prevent_destroy": False}}
    path = Path(stack_dir) / OVERRIDE_FILE
    path.write_text(json.dumps(override, indent=2, sort_keys=True) + "\n")
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


def remove_leftover_override(stack_dir: Path) -> bool:
    """An override left by a killed run must not weaken the next plan."""
    path = Path(stack_dir) / OVERRIDE_FILE
    if path.exists():
        path.unlink()
        return True
    return False
