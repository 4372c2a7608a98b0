"""The user cache: what provision keeps per user, outside any repository (providers, runtimes, plugin cache).

`$XDG_CACHE_HOME/provision`, else `~/.cache/provision`. Never the user's repository: a fleet of
workspaces and every org repository on the machine share one copy of each large download or build.
"""

from __future__ import annotations

import os
from pathlib import Path


def root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "provision"
