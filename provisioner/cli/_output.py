"""Consoles and the JSON output mode, shared by every command."""

from __future__ import annotations

import json
import sys
from enum import Enum
from functools import lru_cache
from typing import Any

from rich.console import Console


class OutputFormat(str, Enum):
    text = "text"
    json = "json"


@lru_cache(maxsize=1)
def console() -> Console:
    return Console(highlight=False, soft_wrap=True)


@lru_cache(maxsize=1)
def err_console() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")
