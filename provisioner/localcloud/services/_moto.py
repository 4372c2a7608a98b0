"""How a service module attaches to moto: its backend and response mixins grafted onto moto's own classes.

moto builds a service as a backend class (the state, one method per operation, typed errors) and a response
class (one handler per operation, named after it in snake case, which parses the request and calls the
backend). A module of this package writes its additions in the same two shapes, as mixins, and `graft()`
copies them onto moto's classes, so the server dispatches them like moto's own and moto's reset clears
their state with the rest:

- a method moto lacks is added; one moto has is left alone (a newer moto implements it: it steps aside);
- a method marked `@corrects` wraps moto's method of the same name, which it receives after `self`;
- a method marked `@replaces` takes the place of moto's.

State lives on each account's and region's backend instance (`state(...)`), as moto keeps its own.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, NamedTuple

from moto.core.exceptions import ServiceException
from moto.core.utils import camelcase_to_underscores


class Operation(NamedTuple):
    """An AWS operation a module adds: its service (botocore's name), its name, and who needs it."""

    service: str
    operation: str
    why: str


class Extension(NamedTuple):
    """Native moto operations whose behaviour a module corrects, and what it changes."""

    service: str
    operations: str
    change: str


class ExtensionError(ServiceException):
    """An AWS error moto serializes with its code and message.

    Defined outside moto's packages on purpose: moto then looks the code up in the calling service's botocore
    model (HTTP status, shape) instead of a service guessed from the exception's module.
    """


def error(code: str, message: str) -> ExtensionError:
    """An AWS error with CODE and MESSAGE, for services whose moto package has no exception of that code."""
    return ExtensionError(code, message)


class state:  # noqa: N801 - used like a field declaration: `spaces = state(dict)`
    """Extension state on each moto backend instance, created on first use.

    The value lands in the instance's `__dict__`, which moto's reset empties: it goes with the rest.
    """

    def __init__(self, factory: Callable[[], Any] = dict) -> None:
        self.factory = factory
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        return instance.__dict__.setdefault(self.name, self.factory())


def corrects(method: Callable[..., Any]) -> Callable[..., Any]:
    """Marks a mixin method that wraps moto's own of the same name: called as `method(self, moto_method, ...)`."""
    method.__moto_graft__ = "corrects"  # type: ignore[attr-defined]
    return method


def replaces(method: Callable[..., Any]) -> Callable[..., Any]:
    """Marks a mixin method that takes the place of moto's own of the same name."""
    method.__moto_graft__ = "replaces"  # type: ignore[attr-defined]
    return method


def graft(target: type, mixin: type) -> list[str]:
    """Copies MIXIN's methods and state onto moto's class TARGET; returns the names it added (not the corrections)."""
    added = []
    for name, member in vars(mixin).items():
        if name.startswith("__"):
            continue
        how = getattr(member, "__moto_graft__", None)
        if how == "corrects":
            setattr(target, name, _wrapping(getattr(target, name), member))
        elif how == "replaces":
            setattr(target, name, member)
        elif not hasattr(target, name):
            setattr(target, name, member)
            added.append(name)
    return added


def _wrapping(moto_method: Callable[..., Any], correction: Callable[..., Any]) -> Callable[..., Any]:
    # A plain function: moto finds a response class's handlers with inspect.isfunction.
    @functools.wraps(correction)
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        return correction(self, moto_method, *args, **kwargs)

    return method


def add_operations(response_cls: type, handlers: type, operations: tuple[Operation, ...]) -> list[str]:
    """Grafts the HANDLERS mixin onto moto's RESPONSE_CLS; returns `service:Operation` for each operation added.

    An operation moto already handles is left to moto and not reported.
    """
    for entry in operations:
        if snake(entry.operation) not in vars(handlers):
            raise TypeError(f"{handlers.__name__} has no handler for {entry.operation}")
    added = set(graft(response_cls, handlers))
    return [f"{entry.service}:{entry.operation}" for entry in operations if snake(entry.operation) in added]


def snake(operation: str) -> str:
    """The method name moto dispatches OPERATION to (CreateUserProfile -> create_user_profile)."""
    return camelcase_to_underscores(operation)


def page(items: list[Any], next_token: str | None, max_results: int | None) -> tuple[list[Any], str | None]:
    """NextToken pagination over a stable list: the token is the index of the next item."""
    start = int(next_token) if next_token and next_token.isdigit() else 0
    size = max_results or 100
    chunk = items[start : start + size]
    return chunk, (str(start + size) if start + size < len(items) else None)


def ordered(items: list[Any], sort_by: str | None, sort_order: str | None,
            keys: dict[str, Callable[[Any], Any]]) -> list[Any]:
    """ITEMS sorted as a List call's SortBy / SortOrder ask (CreationTime, Descending unless said)."""
    key = keys.get(sort_by or "CreationTime", keys["CreationTime"])
    return sorted(items, key=key, reverse=(sort_order or "Descending") == "Descending")
