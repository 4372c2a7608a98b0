"""Where the tool finds what it ships and what it installs: one place for every path it does not get from the user.

`provision` is installed (pipx, uv tool, pip) and runs in the user's own repository, so nothing here
may assume this project's checkout:

- shipped data (blueprints with their release lock, the price table) is package data of `provisioner`,
  read through `importlib.resources`. In the source tree `provisioner/blueprints` is a link to the
  authored `blueprints/` folder at the root; the wheel carries the files themselves.
- the CDK layer (`infra`) is found where Python imports it from.
- runtimes the tool installs for the user (Node for jsii, checkov) live in the user cache
  (`provisioner.runtime.user_cache`), never in the user's repository.
"""

from __future__ import annotations

import os
from importlib import resources
from importlib.util import find_spec
from pathlib import Path

from provisioner.runtime import user_cache


def _package_path(*parts: str) -> Path:
    """A file or folder shipped inside the `provisioner` package, as a real path (wheels install unzipped)."""
    traversable = resources.files("provisioner").joinpath(*parts)
    if not isinstance(traversable, Path):  # a zipped install (zipapp, zipimport): no real files to hand to tools
        raise RuntimeError(f"provision must be installed as files, not zipped (cannot read {'/'.join(parts)})")
    return traversable.resolve()


def shipped_blueprints_dir() -> Path:
    """The blueprints that ship with the tool (`PROVISION_BLUEPRINTS_DIR` replaces them, for blueprint authors)."""
    explicit = os.environ.get("PROVISION_BLUEPRINTS_DIR")
    return Path(explicit) if explicit else _package_path("blueprints")


def shipped_price_table() -> Path:
    return _package_path("data", "prices.json")


def infra_dir() -> Path:
    """The folder of the CDK layer (`infra`) that this process imports, without importing it."""
    spec = find_spec("infra")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the CDK layer (package `infra`) is not installed with provision")
    return Path(next(iter(spec.submodule_search_locations))).resolve()


def cached_node_dir() -> Path:
    """Node installed by `provision doctor --fix` (npm package `node@22`, `npm install --prefix` layout)."""
    return user_cache.root() / "node"


def cached_node_binary() -> Path:
    return cached_node_dir() / "node_modules" / "node" / "bin" / "node"


def cached_checkov_venv() -> Path:
    """checkov's own virtual environment (it pins an old boto3, so it never shares the tool's)."""
    return user_cache.root() / "checkov-venv"
