"""The workspace's resources and their references, drawn as inline SVG (no external assets).

Edges come from the config: `${...}` references (through IAM policy
documents, which are data sources) and the literal ARNs of the workspace's
buckets, roles and model package groups that policies name. Resources are laid
out in columns by dependency depth: what everything relies on (the key) on
the left, what uses it further right.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

from provisioner.audit.config import Config
from provisioner.audit.inventory import capability
from provisioner.audit.resources import Resource, references

COLORS = {
    "foundation": "#4e79a7", "training": "#f28e2b", "registry": "#59a14f", "serving": "#e15759",
    "monitoring": "#76b7b2", "experiments": "#b07aa1", "notebooks": "#edc948", "other": "#9c9c9c",
}
NODE_W, NODE_H, COL_GAP, ROW_GAP, MARGIN, LEGEND_H = 270, 48, 80, 12, 20, 40
# Settings-like resources drawn inside their owner's box (attribute that names the owner).
SATELLITES = {
    "aws_s3_bucket_public_access_block": "bucket", "aws_s3_bucket_server_side_encryption_configuration": "bucket",
    "aws_s3_bucket_versioning": "bucket", "aws_s3_bucket_policy": "bucket", "aws_s3_bucket_logging": "bucket",
    "aws_s3_bucket_lifecycle_configuration": "bucket", "aws_s3_bucket_ownership_controls": "bucket",
    "aws_s3_bucket_notification": "bucket", "aws_kms_alias": "target_key_id", "aws_kms_key_policy": "key_id",
    "aws_ecr_lifecycle_policy": "repository", "aws_ecr_repository_policy": "repository",
    "aws_sns_topic_policy": "arn", "aws_sns_topic_subscription": "topic_arn", "aws_cloudwatch_event_target": "rule",
    "aws_iam_role_policy": "role", "aws_iam_role_policy_attachment": "role",
}


def owners(config: Config) -> dict[str, str]:
    """Satellite address -> owner address."""
    result = {}
    for resource in config.managed():
        key = SATELLITES.get(resource.type)
        if key:
            found = [r for r in config.referenced(resource.values.get(key)) if r.mode == "managed" and r.address != resource.address]
            if found:
                result[resource.address] = found[0].address
    return result


def _short(resource_type: str) -> str:
    for prefix in ("aws_s3_bucket_", "aws_ecr_", "aws_sns_topic_", "aws_cloudwatch_event_", "aws_iam_role_", "aws_kms_"):
        if resource_type.startswith(prefix):
            return resource_type.removeprefix(prefix).replace("_configuration", "").replace("server_side_", "")
    return resource_type.removeprefix("aws_")


def _literal_targets(config: Config) -> list[tuple[re.Pattern[str], str]]:
    patterns = []
    for resource in config.of_type("aws_s3_bucket"):
        name = resource.values.get("bucket")
        if isinstance(name, str) and "${" not in name:
            patterns.append((re.compile(r"arn:[^:]+:s3:::" + re.escape(name) + r"(?:/|$)"), resource.address))
    for resource in config.of_type("aws_iam_role"):
        name = resource.values.get("name")
        if isinstance(name, str) and "${" not in name:
            patterns.append((re.compile(r":role/(?:.*/)?" + re.escape(name) + r"$"), resource.address))
    for resource in config.of_type("aws_sagemaker_model_package_group"):
        name = resource.values.get("model_package_group_name")
        if isinstance(name, str) and "${" not in name:
            patterns.append((re.compile(r":model-package(?:-group)?/" + re.escape(name) + r"(?:/|$)"), resource.address))
    return patterns


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def edges(config: Config) -> list[tuple[str, str]]:
    """(user, used) pairs between managed resources."""
    managed = {r.address for r in config.managed()}
    literal = _literal_targets(config)
    found: set[tuple[str, str]] = set()
    for resource in config.managed():
        targets: set[str] = set()
        pending = [a for a, _ in references(dict(resource.values))]
        seen: set[str] = set()
        texts = _strings(dict(resource.values))
        while pending:
            address = pending.pop()
            if address in seen:
                continue
            seen.add(address)
            target = config.get(address)
            if target is None:
                continue
            if target.mode == "data":
                pending.extend(a for a, _ in references(dict(target.values)))
                texts.extend(_strings(dict(target.values)))
            elif target.address in managed:
                targets.add(target.address)
        for text in texts:
            if "arn:" in text:
                for pattern, address in literal:
                    if pattern.search(text):
                        targets.add(address)
        for target in targets:
            if target != resource.address:
                found.add((resource.address, target))
    return sorted(found)


def folded_edges(config: Config, folded: dict[str, str]) -> list[tuple[str, str]]:
    """Edges between the boxes drawn: a satellite's edges belong to its owner."""
    out = set()
    for user, used in edges(config):
        a, b = folded.get(user, user), folded.get(used, used)
        if a != b:
            out.add((a, b))
    return sorted(out)


def layout(config: Config, pairs: list[tuple[str, str]], folded: dict[str, str] | None = None) -> dict[str, tuple[int, int]]:
    folded = folded or {}
    uses: dict[str, set[str]] = {r.address: set() for r in config.managed() if r.address not in folded}
    for user, used in pairs:
        uses[user].add(used)
    depth: dict[str, int] = {}

    def measure(address: str, stack: frozenset[str]) -> int:
        if address in depth:
            return depth[address]
        deps = [d for d in uses.get(address, ()) if d not in stack]
        value = 0 if not deps else 1 + max(measure(d, stack | {address}) for d in deps)
        depth[address] = value
        return value

    for address in uses:
        measure(address, frozenset())
    columns: dict[int, list[Resource]] = {}
    for resource in config.managed():
        if resource.address in folded:
            continue
        columns.setdefault(depth[resource.address], []).append(resource)
    order = list(COLORS)
    positions = {}
    for column, items in columns.items():
        items.sort(key=lambda r: (order.index(capability(r)), r.type, r.name))
        for row, resource in enumerate(items):
            positions[resource.address] = (column, row)
    return positions


def render_svg(config: Config) -> str:
    folded = owners(config)
    pairs = folded_edges(config, folded)
    positions = layout(config, pairs, folded)
    extras: dict[str, list[str]] = {}
    for satellite, owner in folded.items():
        extras.setdefault(owner, []).append(_short(config.resources[satellite].type))
    if not positions:
        return '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="40"><text x="10" y="25">No resources.</text></svg>'
    columns = max(c for c, _ in positions.values()) + 1
    rows = max(r for _, r in positions.values()) + 1
    width = MARGIN * 2 + columns * NODE_W + (columns - 1) * COL_GAP
    height = MARGIN * 2 + LEGEND_H + rows * (NODE_H + ROW_GAP)

    def box(address: str) -> tuple[float, float]:
        column, row = positions[address]
        return MARGIN + column * (NODE_W + COL_GAP), MARGIN + LEGEND_H + row * (NODE_H + ROW_GAP)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
           'font-family="system-ui, sans-serif" role="img" aria-label="Workspace resources and their references">',
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto">'
           '<path d="M0,0 L10,5 L0,10 z" fill="#888"/></marker></defs>']
    x = MARGIN
    for label, color in COLORS.items():
        out.append(f'<rect x="{x}" y="{MARGIN}" width="14" height="14" rx="3" fill="{color}"/>'
                   f'<text x="{x + 20}" y="{MARGIN + 12}" font-size="12" fill="#333">{label}</text>')
        x += 30 + len(label) * 7
    out.append('<g fill="none" stroke="#888" stroke-opacity="0.55" stroke-width="1.2">')
    for user, used in pairs:
        ux, uy = box(user)
        vx, vy = box(used)
        x1, y1 = ux, uy + NODE_H / 2
        x2, y2 = vx + NODE_W, vy + NODE_H / 2
        if positions[user][0] <= positions[used][0]:  # same column (cycle guard): loop around the right side
            x1, x2 = ux + NODE_W, vx + NODE_W
            bend = NODE_W / 3
            out.append(f'<path d="M{x1},{y1} C{x1 + bend},{y1} {x2 + bend},{y2} {x2},{y2}" marker-end="url(#arrow)">'
                       f'<title>{escape(user)} uses {escape(used)}</title></path>')
            continue
        mid = (x1 + x2) / 2
        out.append(f'<path d="M{x1},{y1} C{mid},{y1} {mid},{y2} {x2},{y2}" marker-end="url(#arrow)">'
                   f'<title>{escape(user)} uses {escape(used)}</title></path>')
    out.append("</g>")
    for resource in config.managed():
        if resource.address in folded:
            continue
        x0, y0 = box(resource.address)
        color = COLORS[capability(resource)]
        name = config.label(resource)
        short = name if len(name) <= 34 else name[:16] + "…" + name[-16:]
        settings = sorted(set(extras.get(resource.address, [])))
        line = ("+ " + ", ".join(settings)) if settings else ""
        line = line if len(line) <= 44 else line[:43] + "…"
        tip = "\n".join([resource.address, name] + [a for a, o in sorted(folded.items()) if o == resource.address])
        out.append(
            f'<g><title>{escape(tip)}</title>'
            f'<rect x="{x0}" y="{y0}" width="{NODE_W}" height="{NODE_H}" rx="6" fill="#fff" stroke="{color}" stroke-width="2"/>'
            f'<rect x="{x0}" y="{y0}" width="6" height="{NODE_H}" rx="2" fill="{color}"/>'
            f'<text x="{x0 + 12}" y="{y0 + 14}" font-size="10" fill="#666">{escape(resource.type.removeprefix("aws_"))}</text>'
            f'<text x="{x0 + 12}" y="{y0 + 29}" font-size="12" fill="#111">{escape(short)}</text>'
            + (f'<text x="{x0 + 12}" y="{y0 + 42}" font-size="9.5" fill="#777">{escape(line)}</text>' if line else "")
            + "</g>")
    out.append("</svg>")
    return "".join(out)
