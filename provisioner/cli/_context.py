"""Loading the org and its catalog for a command (`--org`, `PROVISION_ORG`, or the current folder)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from provisioner.catalog.loader import Catalog
from provisioner.models.org import Org, load_org


@dataclass
class Session:
    org: Org
    catalog: Catalog

    @property
    def root(self) -> Path:
        return self.org.root

    @property
    def state_root(self) -> Path:
        return self.org.root / ".provision" / "state"

    @property
    def provision_dir(self) -> Path:
        return self.org.root / ".provision"

    def workspaces(self, changed_since: str | None = None) -> list:
        """Every workspace (all validated, all problems reported at once), or only those changed since a git ref."""
        from provisioner.specs.workspaces import load_all

        contexts = load_all(self.org, self.catalog)
        if changed_since:
            from provisioner.fleet.selection import select_changed

            contexts = select_changed(contexts, changed_since, self.root, self.org.path)
        return contexts


_ORG_OPTION: dict[str, str | None] = {"path": None}


def set_org_option(path: str | None) -> None:
    _ORG_OPTION["path"] = path


def session_if_any() -> Session | None:
    """The org's session, or None when no org config was named and none is found here or above
    (commands that also work outside an org repository, such as `provision doctor`)."""
    import os

    from provisioner.models.org import ORG_FILE

    if _ORG_OPTION["path"] is None and not os.environ.get("PROVISION_ORG"):
        here = Path.cwd().resolve()
        if not any((folder / ORG_FILE).is_file() for folder in (here, *here.parents)):
            return None
    return session()


def session() -> Session:
    org = load_org(_ORG_OPTION["path"])
    return Session(org, Catalog.for_org(org))
