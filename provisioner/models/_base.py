"""Strict pydantic base and the YAML load boundary.

Every user-written file goes through `load_yaml_model`: a safe YAML loader only,
unknown keys rejected, and every problem turned into a `Problem` that names
the file and the dotted field.
"""

from __future__ import annotations

import difflib
import types
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from provisioner.errors import InvalidInput, Problem

M = TypeVar("M", bound=BaseModel)


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def dotted(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts)


def _model_at(model: type[BaseModel] | None, loc: tuple[Any, ...]) -> tuple[Any, Any]:
    """(annotation, field info) of the field at `loc`, walking nested models, dicts and lists; (None, None)
    where the walk cannot follow."""
    import typing

    annotation: Any = model
    info = None
    for part in loc:
        while typing.get_origin(annotation) in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = args[0] if args else None
        if typing.get_origin(annotation) in (list, dict):
            annotation = typing.get_args(annotation)[-1]  # this part is a key or an index
            continue
        if isinstance(annotation, type) and issubclass(annotation, BaseModel) and isinstance(part, str):
            info = annotation.model_fields.get(part)
            if info is None:
                return None, None
            annotation = info.annotation
        else:
            return None, None
    while typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        annotation = args[0] if args else None
    return annotation, info


def field_description(model: type[BaseModel] | None, loc: tuple[Any, ...]) -> str:
    """The `description` of the field at `loc`, walking nested models, dicts and lists."""
    _, info = _model_at(model, loc)
    return (info.description or "") if info else ""


def _field_names(model: type[BaseModel] | None, loc: tuple[Any, ...]) -> list[str]:
    """The fields of the model at `loc` (the siblings a misspelled key was meant to be), by their YAML names."""
    annotation, _ = _model_at(model, loc)
    if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
        return []
    return [info.alias or name for name, info in annotation.model_fields.items()]


def _hint_for(error: dict[str, Any], description: str) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "remove it or check its spelling against the reference in docs/"
    if kind == "missing":
        return f"add it ({description})" if description else "add it"
    return description


def problems_from_validation(
    file: str | Path, exc: ValidationError, prefix: str = "", model: type[BaseModel] | None = None
) -> list[Problem]:
    problems = []
    errors = [(tuple(x for x in error["loc"] if not (isinstance(x, str) and x.startswith("function-"))), error)
              for error in exc.errors(include_url=False)]
    missing = {loc for loc, error in errors if error["type"] == "missing"}
    # A misspelled key (`ownr:`) is one problem, not two: its "unknown field" names the field it was meant
    # to be, and that field's "missing" goes.
    meant: dict[tuple[Any, ...], str] = {}
    for loc, error in errors:
        if error["type"] == "extra_forbidden" and loc and isinstance(loc[-1], str):
            guess = difflib.get_close_matches(loc[-1], _field_names(model, loc[:-1]), n=1, cutoff=0.6)
            if guess:
                meant[loc] = guess[0]
    explained = {loc[:-1] + (name,) for loc, name in meant.items()} & missing
    for loc, error in errors:
        if loc in explained:
            continue
        field = dotted(((prefix,) if prefix else ()) + loc)
        message = error["msg"]
        given = error.get("input")
        if error["type"] == "extra_forbidden":
            message = "unknown field"
            if loc in meant:
                problems.append(Problem(str(file), field, message, f"did you mean {meant[loc]!r}?"))
                continue
        elif error["type"] == "string_pattern_mismatch":
            message = f"{given!r} is not valid here"
        elif error["type"] == "value_error":
            message = message.removeprefix("Value error, ")
        elif error["type"] != "missing" and not isinstance(given, (dict, list)):
            message = f"{message} (given: {given!r})"
        problems.append(Problem(str(file), field, message, _hint_for(error, field_description(model, loc))))
    return problems


# libyaml's safe loader when PyYAML has it (its wheels do): the same data and error marks, ~5x faster.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> Any:
    """Read YAML safely, turning syntax errors, repeated keys and unreadable files into Problems."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInput.single(path, "", "file not found", "check the path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput.single(path, "", f"cannot be read ({exc})") from None
    loader = _SAFE_LOADER(text)
    try:
        node = loader.get_single_node()  # parse once: the node tree for the key check, then the data
        duplicates = _duplicate_keys(node)
        if duplicates:
            raise InvalidInput([Problem(str(path), field, f"duplicate key (first at line {first}, again at line {again})",
                                        "keep one of them: YAML would silently use the last")
                                for field, first, again in duplicates])
        return loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "YAML"
        reason = getattr(exc, "problem", None) or str(exc)
        raise InvalidInput.single(path, where, f"invalid YAML: {reason}", "fix the YAML syntax") from None
    finally:
        loader.dispose()


def _duplicate_keys(node: yaml.Node | None, loc: tuple[Any, ...] = ()) -> list[tuple[str, int, int]]:
    """(dotted field, first line, repeated line) of every key written twice in one mapping."""
    found: list[tuple[str, int, int]] = []
    if isinstance(node, yaml.MappingNode):
        first: dict[Any, int] = {}
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else None
            if name is not None and name in first:
                found.append((dotted(loc + (name,)), first[name], key.start_mark.line + 1))
            elif name is not None:
                first[name] = key.start_mark.line + 1
            found.extend(_duplicate_keys(value, loc + (name if name is not None else "?",)))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            found.extend(_duplicate_keys(item, loc + (index,)))
    return found


def load_yaml_model(path: Path, model: type[M]) -> M:
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise InvalidInput.single(path, "", f"expected a mapping at the top level, got {type(data).__name__}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(problems_from_validation(path, exc, model=model)) from None
