"""The workspace's resources and their references, drawn as inline SVG (no external assets).

Edges come from the config: `${...}` references (through IAM policy
documents, which are data sources) and the literal ARNs of the workspace's
buckets, roles and model package groups that policies name. Resources are laid
out top-down in layers by dependency depth: what everything relies on (the key)
at the top, what uses it further down; a layer wider than the picture wraps
onto more rows, so the picture is never wider than WIDTH and fits a 1,400 px
window and a printed page (the report's CSS scales it down further). Names are
wrapped inside their boxes, never cut: the boxes' text is set in a monospace
font, so how wide a line is follows from its length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from typing import Any

from provisioner.audit.config import Config
from provisioner.audit.inventory import capability
from provisioner.audit.resources import Resource, references

COLORS = {
    "foundation": "#4e79a7", "training": "#f28e2b", "registry": "#59a14f", "serving": "#e15759",
    "monitoring": "#76b7b2", "experiments": "#b07aa1", "notebooks": "#edc948", "other": "#9c9c9c",
}
# The picture's width at most: a 1,400 px window less the report page's margins and the frame around it.
WIDTH = 1300
NODE_W, GAP_X, GAP_Y, MARGIN, LEGEND_H, PAD = 232, 20, 30, 12, 34, 12
PER_ROW = (WIDTH - 2 * MARGIN + GAP_X) // (NODE_W + GAP_X)
MONO = "ui-monospace, Menlo, Consolas, 'DejaVu Sans Mono', monospace"
# (font size, line height, characters per line) of each kind of text in a box: a monospace character is at most
# 0.61 em wide, so a line of that many characters fits the box less its colour bar and padding.
TYPE_TEXT, NAME_TEXT, SETTINGS_TEXT = (10, 13, 33), (12, 15, 28), (9.5, 12, 35)
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
    """Address -> (layer, position in the layer): the layer is the dependency depth (0 uses nothing drawn)."""
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
    layers: dict[int, list[Resource]] = {}
    for resource in config.managed():
        if resource.address in folded:
            continue
        layers.setdefault(depth[resource.address], []).append(resource)
    order = list(COLORS)
    positions = {}
    for layer, items in layers.items():
        items.sort(key=lambda r: (order.index(capability(r)), r.type, r.name))
        for index, resource in enumerate(items):
            positions[resource.address] = (layer, index)
    return positions


def wrap(text: str, width: int) -> list[str]:
    """`text` in lines of at most `width` characters, broken after `-_./:, ` where it can be; nothing is dropped."""
    pieces = [p for p in re.split(r"(?<=[-_./:, ])", text) if p]
    lines: list[str] = []
    line = ""
    for piece in pieces:
        while len(piece) > width:  # a piece longer than a line is broken where it must be
            room = width - len(line)
            if room <= 0:
                lines.append(line)
                line, room = "", width
            line += piece[:room]
            piece = piece[room:]
            lines.append(line)
            line = ""
        if len(line) + len(piece) > width:
            lines.append(line.strip(" "))
            line = ""
        line += piece
    if line:
        lines.append(line.strip(" "))
    return [part for part in lines if part] or [""]


@dataclass(frozen=True)
class _Box:
    kind: list[str]
    name: list[str]
    settings: list[str]

    @property
    def height(self) -> int:
        return (PAD + len(self.kind) * TYPE_TEXT[1] + 3 + len(self.name) * NAME_TEXT[1]
                + len(self.settings) * SETTINGS_TEXT[1] + PAD - 4)


def _text(x: float, y: float, lines: list[str], style: tuple[float, int, int], color: str) -> tuple[str, float]:
    size, height, _ = style
    out = []
    for line in lines:
        y += height
        out.append(f'<text x="{x}" y="{y - 3}" font-size="{size}" fill="{color}">{escape(line)}</text>')
    return "".join(out), y


def render_svg(config: Config) -> str:
    folded = owners(config)
    pairs = folded_edges(config, folded)
    positions = layout(config, pairs, folded)
    extras: dict[str, list[str]] = {}
    for satellite, owner in folded.items():
        extras.setdefault(owner, []).append(_short(config.resources[satellite].type))
    if not positions:
        return '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="40"><text x="10" y="25">No resources.</text></svg>'
    boxes: dict[str, _Box] = {}
    for resource in config.managed():
        if resource.address in positions:
            settings = sorted(set(extras.get(resource.address, [])))
            boxes[resource.address] = _Box(wrap(resource.type.removeprefix("aws_"), TYPE_TEXT[2]),
                                           wrap(config.label(resource), NAME_TEXT[2]),
                                           wrap("+ " + ", ".join(settings), SETTINGS_TEXT[2]) if settings else [])
    # Rows: each layer in order, wrapped every PER_ROW boxes; a row is as tall as its tallest box.
    rows: list[list[str]] = []
    for layer in sorted({layer for layer, _ in positions.values()}):
        members = sorted((a for a, (l, _) in positions.items() if l == layer), key=lambda a: positions[a][1])
        rows += [members[i:i + PER_ROW] for i in range(0, len(members), PER_ROW)]
    place: dict[str, tuple[float, float]] = {}
    y = MARGIN + LEGEND_H
    for row in rows:
        for index, address in enumerate(row):
            place[address] = (MARGIN + index * (NODE_W + GAP_X), y)
        y += max(boxes[a].height for a in row) + GAP_Y
    width = MARGIN * 2 + max(len(row) for row in rows) * (NODE_W + GAP_X) - GAP_X
    legend_width = MARGIN + sum(30 + len(label) * 7 for label in COLORS)
    width = min(WIDTH, max(width, legend_width))
    height = int(y - GAP_Y + MARGIN)

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
        (ux, uy), (vx, vy) = place[user], place[used]
        title = f"<title>{escape(user)} uses {escape(used)}</title>"
        if positions[user][0] <= positions[used][0]:  # same layer (cycle guard): loop around the right side
            x1, y1 = ux + NODE_W, uy + boxes[user].height / 2
            x2, y2 = vx + NODE_W, vy + boxes[used].height / 2
            bend = min(GAP_X * 0.9, width - max(x1, x2) - 1)
            out.append(f'<path d="M{x1},{y1} C{x1 + bend},{y1} {x2 + bend},{y2} {x2},{y2}" marker-end="url(#arrow)">{title}</path>')
            continue
        x1, y1 = ux + NODE_W / 2, uy  # from the top of the user ...
        x2, y2 = vx + NODE_W / 2, vy + boxes[used].height  # ... to the bottom of what it uses
        out.append(f'<path d="M{x1},{y1} C{x1},{y1 - GAP_Y} {x2},{y2 + GAP_Y} {x2},{y2}" marker-end="url(#arrow)">{title}</path>')
    out.append("</g>")
    for resource in config.managed():
        if resource.address not in place:
            continue
        x0, y0 = place[resource.address]
        box = boxes[resource.address]
        color = COLORS[capability(resource)]
        tip = "\n".join([resource.address, config.label(resource)]
                        + [a for a, o in sorted(folded.items()) if o == resource.address])
        kind, y1 = _text(x0 + PAD, y0 + PAD - 4, box.kind, TYPE_TEXT, "#666")
        name, y2 = _text(x0 + PAD, y1 + 3, box.name, NAME_TEXT, "#111")
        settings, _ = _text(x0 + PAD, y2, box.settings, SETTINGS_TEXT, "#777")
        out.append(
            f'<g class="node" data-address="{escape(resource.address)}"><title>{escape(tip)}</title>'
            f'<rect x="{x0}" y="{y0}" width="{NODE_W}" height="{box.height}" rx="6" fill="#fff" stroke="{color}" stroke-width="2"/>'
            f'<rect x="{x0}" y="{y0}" width="6" height="{box.height}" rx="2" fill="{color}"/>'
            f'<g font-family="{MONO}">{kind}{name}{settings}</g></g>')
    out.append("</svg>")
    return "".join(out)
