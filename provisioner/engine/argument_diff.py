"""What a change does to a resource's arguments: the old and the new value of each argument that changes.

Read the way Terraform's own plan rendering reads `show -json` (internal/command/jsonformat):

- a value marked sensitive on either side (`before_sensitive` / `after_sensitive`) is shown as
  `(sensitive value)`, and only whether it changed is told;
- an after value Terraform does not know yet (`after_unknown`) is `(known after apply)`;
- unchanged arguments are left out; nested blocks and maps are followed down to the arguments that
  change (`production_variants.0.initial_variant_weight`, `tags.owner`);
- an empty string and null are the same (the AWS provider's SDK cannot tell them apart, and Terraform's
  renderer treats them alike);
- `tags_all` is not repeated: it mirrors `tags` plus the provider's default tags.

Going further than Terraform, for a reviewer: on a replacement, an optional argument that goes from its
zero value (0, false, empty) back to unset is not listed (the new object gets the same default), and the
arguments that force the replacement come first. A JSON document is compared by content, not by spacing or
key order: an IAM policy document statement by statement (added, removed, and changed ones with the
fields that changed), any other document value by value inside it, because a 2,000-character string shown
twice tells a reviewer nothing.

Every value also goes through the audit's secret masker (`provisioner.audit.secrets`): a name that looks
secret, a credential-shaped value or a workspace's secret parameter is masked even where Terraform does not
mark it sensitive.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from provisioner.audit.secrets import Masker, looks_secret_name

SENSITIVE = "(sensitive value)"
UNKNOWN = "(known after apply)"
# Arguments whose change is another argument's change said again.
MIRRORS = frozenset({"tags_all"})
# Characters of one value kept in a summary (the saved plan.json has every value, masked).
KEPT_CHARACTERS = 1_000
# Statement fields in the order people read them.
STATEMENT_FIELDS = ("Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition")


@dataclass(frozen=True)
class StatementChange:
    """One statement of a policy document that was added, removed or changed."""

    action: str  # "add", "remove" or "change"
    label: str  # the Sid, or the statement's position in the document
    before: str = ""  # the statement on one line ("" when added)
    after: str = ""  # ("" when removed)
    fields: tuple[tuple[str, str], ...] = ()  # for "change": (field, what changed in it)

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "label": self.label, "before": self.before, "after": self.after,
                "fields": [{"field": name, "change": text} for name, text in self.fields]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "StatementChange":
        return cls(data["action"], data.get("label", ""), data.get("before", ""), data.get("after", ""),
                   tuple((f["field"], f["change"]) for f in data.get("fields", [])))


@dataclass(frozen=True)
class AttributeChange:
    """One argument that changes: its path (`a.0.b`), its old and new value (masked), and whether changing it
    replaces the resource. `statements` is set when both values are IAM policy documents."""

    path: str
    before: Any = None
    after: Any = None
    forces_replacement: bool | None = None
    statements: tuple[StatementChange, ...] | None = None
    # For two JSON documents that are not policies: (path inside the document, old, new) of each value changed.
    inside: tuple[tuple[str, Any, Any], ...] | None = None

    @property
    def sensitive(self) -> bool:
        return SENSITIVE in (self.before, self.after)

    def to_dict(self) -> dict[str, Any]:
        data = {"path": self.path, "before": self.before, "after": self.after,
                "forces_replacement": self.forces_replacement}
        if self.statements is not None:
            data["statements"] = [s.to_dict() for s in self.statements]
        if self.inside is not None:
            data["inside"] = [{"path": p, "before": b, "after": a} for p, b, a in self.inside]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "AttributeChange":
        statements, inside = data.get("statements"), data.get("inside")
        return cls(data["path"], data.get("before"), data.get("after"), data.get("forces_replacement"),
                   tuple(StatementChange.from_dict(s) for s in statements) if statements is not None else None,
                   tuple((i["path"], i.get("before"), i.get("after")) for i in inside) if inside is not None else None)


# -- walking Terraform's change object --------------------------------------------------------------

def _child(marker: Any, key: Any) -> Any:
    """The part of a sensitivity/unknown marker (bool, or a dict/list shaped like the value) under `key`."""
    if isinstance(marker, dict):
        return marker.get(key, False)
    if isinstance(marker, list) and isinstance(key, int):
        return marker[key] if key < len(marker) else False
    return False


def _marks_anything(marker: Any) -> bool:
    if marker is True:
        return True
    if isinstance(marker, dict):
        return any(_marks_anything(v) for v in marker.values())
    if isinstance(marker, list):
        return any(_marks_anything(v) for v in marker)
    return False


def _json_document(value: Any) -> Any:
    """The parsed document when `value` is a JSON object or array written as a string, else None."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not (text.startswith("{") and text.endswith("}")) and not (text.startswith("[") and text.endswith("]")):
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _same(before: Any, after: Any) -> bool:
    if before == after or (before in ("", None) and after in ("", None)):
        return True
    a, b = _json_document(before), _json_document(after)
    return a is not None and a == b


ZERO = (0, False, "", (), None)


def _back_to_unset(before: Any, after: Any) -> bool:
    return after is None and (before in ZERO or before == [] or before == {}) and before is not True


@dataclass
class _Walk:
    replace_paths: set[tuple[Any, ...]]
    masker: Masker
    replacing: bool = False
    found: list[tuple[tuple[Any, ...], AttributeChange]] = field(default_factory=list)

    def add(self, path: tuple[Any, ...], before: Any, after: Any) -> None:
        if self.replacing and _back_to_unset(before, after):
            return
        name = ".".join(str(p) for p in path)
        forces = any(path[: len(r)] == r or r[: len(path)] == path for r in self.replace_paths)
        leaf = str(next((p for p in reversed(path) if isinstance(p, str)), ""))
        secret = bool(leaf) and looks_secret_name(leaf)
        statements = inside = None
        if not secret:
            statements = policy_statement_changes(before, after, self.masker)
            if statements is None:
                inside = document_changes(before, after, self.masker)
        self.found.append((path, AttributeChange(name, _shown(before, self.masker, secret),
                                                 _shown(after, self.masker, secret), forces, statements, inside)))

    def walk(self, path: tuple[Any, ...], before: Any, after: Any, unknown: Any, before_sensitive: Any,
             after_sensitive: Any) -> None:
        if before_sensitive is True or after_sensitive is True:
            if before != after or (before_sensitive is True) != (after_sensitive is True) or unknown is True:
                self.add(path, SENSITIVE if before is not None else None,
                         UNKNOWN if unknown is True else (SENSITIVE if after is not None else None))
            return
        if unknown is True:
            self.add(path, before, UNKNOWN)
            return
        if isinstance(before, dict) or isinstance(after, dict):
            if not (before is None or isinstance(before, dict)) or not (after is None or isinstance(after, dict)):
                self.add(path, before, after)  # a type change: show it whole
                return
            b, a = before or {}, after or {}
            for key in sorted(set(b) | set(a) | (set(unknown) if isinstance(unknown, dict) else set())):
                if not path and key in MIRRORS:
                    continue
                self.walk((*path, key), b.get(key), a.get(key), _child(unknown, key),
                          _child(before_sensitive, key), _child(after_sensitive, key))
            return
        same_length = isinstance(before, list) and isinstance(after, list) and len(before) == len(after)
        if same_length or _blocks(before) or _blocks(after) or _marks_anything(before_sensitive) \
                or _marks_anything(after_sensitive) or _marks_anything(unknown):
            if (before is None or isinstance(before, list)) and (after is None or isinstance(after, list)):
                b, a = before or [], after or []
                for index in range(max(len(b), len(a), len(unknown) if isinstance(unknown, list) else 0)):
                    self.walk((*path, index), b[index] if index < len(b) else None, a[index] if index < len(a) else None,
                              _child(unknown, index), _child(before_sensitive, index), _child(after_sensitive, index))
                return
        if not _same(before, after):
            self.add(path, before, after)


def _blocks(value: Any) -> bool:
    """A list of objects (nested blocks): compared element by element, the way Terraform shows blocks (so is a
    list that keeps its length; one that grows or shrinks is shown whole)."""
    return isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value)


def _shown(value: Any, masker: Masker, secret_name: bool) -> Any:
    """A value as a summary keeps it: masked, and cut to KEPT_CHARACTERS."""
    if value is None or value in (SENSITIVE, UNKNOWN):
        return value
    if secret_name:
        return SENSITIVE
    masked = masker.mask(value)
    if isinstance(masked, str) and len(masked) > KEPT_CHARACTERS:
        return masked[:KEPT_CHARACTERS] + f"… ({len(masked) - KEPT_CHARACTERS} more characters)"
    if not isinstance(masked, str) and len(json.dumps(masked, default=str)) > KEPT_CHARACTERS:
        text = json.dumps(masked, sort_keys=True, default=str)
        return text[:KEPT_CHARACTERS] + f"… ({len(text) - KEPT_CHARACTERS} more characters)"
    return masked


def attribute_changes(change: dict[str, Any], masker: Masker | None = None,
                      only: Iterable[tuple[Any, ...]] | None = None) -> tuple[AttributeChange, ...]:
    """The arguments a `resource_changes[].change` (or a `resource_drift[].change`) changes, in path order.

    `only` limits the result to changes at or below these paths, or containing them (drift: the attributes
    that matter)."""
    replacing = sorted(change.get("actions") or []) == ["create", "delete"]
    walk = _Walk({tuple(p) for p in change.get("replace_paths") or []}, masker or Masker(), replacing)
    walk.walk((), change.get("before"), change.get("after"), change.get("after_unknown") or False,
              change.get("before_sensitive") or False, change.get("after_sensitive") or False)
    found = walk.found
    if only is not None:
        wanted = [tuple(path) for path in only]
        found = [(path, c) for path, c in found if any(related(path, w) for w in wanted)]
    # What forces a replacement first, then values that change, then what is only known after apply.
    found.sort(key=lambda item: (not item[1].forces_replacement, item[1].after == UNKNOWN))
    return tuple(c for _, c in found)


def document_changes(before: Any, after: Any, masker: Masker | None = None) -> tuple[tuple[str, Any, Any], ...] | None:
    """Each value that differs inside two JSON documents (not policies), by its path in the document; None unless
    both are JSON objects or arrays."""
    old, new = _json_document(before), _json_document(after)
    if old is None or new is None:
        return None
    walk = _Walk(set(), masker or Masker())
    walk.walk((), old, new, False, False, False)
    return tuple((c.path, c.before, c.after) for _, c in walk.found)


def related(path: tuple[Any, ...], wanted: tuple[Any, ...]) -> bool:
    """`path` lies at or below `wanted`, or holds it (a list replaced as a whole contains the wanted element)."""
    n = min(len(path), len(wanted))
    return path[:n] == wanted[:n]


# -- IAM policy documents, statement by statement ---------------------------------------------------

def _policy(value: Any) -> list[dict[str, Any]] | None:
    doc = _json_document(value)
    if not isinstance(doc, dict) or "Statement" not in doc:
        return None
    statements = doc["Statement"]
    statements = [statements] if isinstance(statements, dict) else statements
    if not isinstance(statements, list) or not all(isinstance(s, dict) for s in statements):
        return None
    return statements


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [json.dumps(v, sort_keys=True) if not isinstance(v, str) else v for v in value]
    if isinstance(value, dict):  # Principal: {"Service": [...]} -> "Service: x"
        return [f"{kind}: {item}" for kind, items in sorted(value.items())
                for item in (items if isinstance(items, list) else [items])]
    return [str(value)]


def _conditions(value: Any) -> list[str]:
    if not isinstance(value, dict):
        return _as_list(value)
    return [f"{test} {variable}={item}" for test, tests in sorted(value.items())
            if isinstance(tests, dict) for variable, values in sorted(tests.items()) for item in _as_list(values)]


def _field_values(statement: dict[str, Any], name: str) -> list[str]:
    value = statement.get(name)
    return _conditions(value) if name == "Condition" else _as_list(value)


def describe_statement(statement: dict[str, Any]) -> str:
    """One statement on one line: `Allow s3:GetObject, s3:PutObject on arn:...:bucket/* when ...`."""
    parts = [str(statement.get("Effect", "Allow"))]
    for name, word in (("Principal", ""), ("NotPrincipal", "all but "), ("Action", ""), ("NotAction", "all but ")):
        values = _field_values(statement, name)
        if values:
            parts.append(word + ", ".join(values))
    for name, word in (("Resource", "on "), ("NotResource", "on all but ")):
        values = _field_values(statement, name)
        if values:
            parts.append(word + ", ".join(values))
    conditions = _field_values(statement, "Condition")
    if conditions:
        parts.append("when " + "; ".join(conditions))
    return " ".join(parts)


def _field_change(name: str, before: dict[str, Any], after: dict[str, Any]) -> str | None:
    old, new = _field_values(before, name), _field_values(after, name)
    if old == new or sorted(old) == sorted(new):
        return None
    if name == "Effect" or not old or not new:
        return f"{', '.join(old) or '(none)'} -> {', '.join(new) or '(none)'}"
    added = [v for v in new if v not in old]
    removed = [v for v in old if v not in new]
    return " ".join([f"+{v}" for v in added] + [f"-{v}" for v in removed])


def _key(statement: dict[str, Any]) -> str:
    return json.dumps(statement, sort_keys=True)


def policy_statement_changes(before: Any, after: Any, masker: Masker | None = None) -> tuple[StatementChange, ...] | None:
    """A statement-level diff of two IAM policy documents (JSON strings); None unless both are one.

    Statements pair up by Sid; the rest by identical content, then by the same effect and the same actions
    or the same resources (a statement that gained an action is a changed statement, not a new one)."""
    old, new = _policy(before), _policy(after)
    if old is None or new is None:
        return None
    masker = masker or Masker()
    text = masker.text
    out: list[StatementChange] = []
    left = list(enumerate(old))
    right = list(enumerate(new))
    pairs: list[tuple[int, dict, int, dict]] = []

    def take(match) -> None:
        for i, a in list(left):
            for j, b in list(right):
                if match(a, b):
                    pairs.append((i, a, j, b))
                    left.remove((i, a))
                    right.remove((j, b))
                    break

    take(lambda a, b: a.get("Sid") and a.get("Sid") == b.get("Sid"))
    take(lambda a, b: _key(a) == _key(b))
    take(lambda a, b: a.get("Effect") == b.get("Effect") and (
        sorted(_field_values(a, "Action")) == sorted(_field_values(b, "Action"))
        or sorted(_field_values(a, "Resource")) == sorted(_field_values(b, "Resource"))))

    def label(index: int, statement: dict[str, Any]) -> str:
        return str(statement.get("Sid") or f"statement {index + 1}")

    for i, a, j, b in sorted(pairs, key=lambda p: p[2]):
        fields = tuple((name, text(change)) for name in STATEMENT_FIELDS
                       if (change := _field_change(name, a, b)) is not None)
        if fields:
            out.append(StatementChange("change", label(j, b), text(describe_statement(a)), text(describe_statement(b)),
                                       fields))
    for i, a in left:
        out.append(StatementChange("remove", label(i, a), before=text(describe_statement(a))))
    for j, b in right:
        out.append(StatementChange("add", label(j, b), after=text(describe_statement(b))))
    return tuple(out)


# -- how people read one change ---------------------------------------------------------------------

def show_value(value: Any, width: int = 80) -> str:
    """A value on one line, as Terraform writes it (`"text"`, `100`, `null`, `["a", "b"]`), cut to `width`."""
    if value in (SENSITIVE, UNKNOWN):
        return str(value)
    text = json.dumps(value, default=str, ensure_ascii=False, separators=(", ", ": "))
    if len(text) > width:
        return text[: max(width - 1, 10)] + f"… ({len(text)} characters)"
    return text


def change_lines(change: dict[str, Any], width: int = 80) -> list[str]:
    """An argument change (its dict) as lines: `path: old -> new`, a policy as its changed statements."""
    flag = "  (forces replacement)" if change.get("forces_replacement") else ""
    statements = change.get("statements")
    if statements is not None:
        counts = {k: sum(1 for s in statements if s["action"] == k) for k in ("change", "add", "remove")}
        said = ", ".join(f"{n} {word}" for k, word in (("change", "changed"), ("add", "added"), ("remove", "removed"))
                         if (n := counts[k]))
        lines = [f"{change['path']}: IAM policy, statement(s) {said or 'reordered'}{flag}"]
        for s in statements:
            if s["action"] == "change":
                lines.append(f"  ~ {s['label']}: " + "; ".join(f"{f['field']} {f['change']}" for f in s["fields"]))
            elif s["action"] == "add":
                lines.append(f"  + {s['label']}: {s['after']}")
            else:
                lines.append(f"  - {s['label']}: {s['before']}")
        return lines
    inside = change.get("inside")
    if inside:
        lines = [f"{change['path']}: JSON document, {len(inside)} value(s) changed{flag}"]
        lines += [f"  ~ {item['path'] or '(whole document)'}: {show_value(item['before'], width)} -> "
                  f"{show_value(item['after'], width)}" for item in inside]
        return lines
    before, after = change.get("before"), change.get("after")
    if before is None:
        return [f"{change['path']}: {show_value(after, width)} (added){flag}"]
    if after is None:
        return [f"{change['path']}: {show_value(before, width)} (removed){flag}"]
    if before == SENSITIVE and after == SENSITIVE:
        return [f"{change['path']}: {SENSITIVE} (changed){flag}"]
    return [f"{change['path']}: {show_value(before, width)} -> {show_value(after, width)}{flag}"]



def arguments_lines(arguments: list[dict[str, Any]], *, limit: int | None = None, width: int = 80) -> list[str]:
    """Every changed argument of one resource as lines; past `limit` arguments, one line says how many more."""
    shown = arguments if limit is None else arguments[:limit]
    lines = [line for argument in shown for line in change_lines(argument, width)]
    if len(shown) < len(arguments):
        lines.append(f"… and {len(arguments) - len(shown)} more changed argument(s)")
    return lines
