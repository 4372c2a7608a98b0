"""Finds blueprints and their versions.

Layout: `<blueprint folder>/<name>/<version>.yaml`, several versions side by
side. The shipped folder is package data of the tool (`provisioner.runtime.locations`,
authored in `blueprints/` at the project root); the org config adds more with
`blueprint_paths`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from provisioner.errors import InvalidInput, ProblemCollector, did_you_mean
from provisioner.models._base import load_yaml_model
from provisioner.models.blueprint import Blueprint, semver_key
from provisioner.runtime.locations import shipped_blueprints_dir
from provisioner.specs.parameters import default_issues

__all__ = ["Catalog", "CatalogEntry", "shipped_blueprints_dir"]


@dataclass(frozen=True)
class CatalogEntry:
    blueprint: Blueprint
    path: Path


class Catalog:
    def __init__(self, folders: list[Path]) -> None:
        self.folders = folders
        self._entries: dict[str, dict[str, CatalogEntry]] | None = None

    @classmethod
    def for_org(cls, org) -> "Catalog":  # org: provisioner.models.org.Org
        return cls([shipped_blueprints_dir(), *org.blueprint_dirs()])

    def _load(self) -> dict[str, dict[str, CatalogEntry]]:
        if self._entries is not None:
            return self._entries
        entries: dict[str, dict[str, CatalogEntry]] = {}
        problems = ProblemCollector()
        for folder in self.folders:
            if not folder.is_dir():
                problems.add(folder, "", "blueprint folder not found", "fix blueprint_paths in provision.yaml")
                continue
            for path in sorted(folder.glob("*/*.yaml")):
                try:
                    blueprint = load_yaml_model(path, Blueprint)
                except InvalidInput as exc:
                    problems.extend(exc.problems)
                    continue
                if path.parent.name != blueprint.name or path.stem != blueprint.version:
                    problems.add(
                        path, "name", f"declares {blueprint.ref} but lives at {path.parent.name}/{path.name}",
                        f"move it to {blueprint.name}/{blueprint.version}.yaml",
                    )
                    continue
                bad_defaults = default_issues(blueprint)
                if bad_defaults:
                    for field, message, _ in bad_defaults:
                        problems.add(path, field, message, "make the default meet the parameter's own limits")
                    continue
                versions = entries.setdefault(blueprint.name, {})
                if blueprint.version in versions:
                    problems.add(path, "version", f"{blueprint.ref} is also defined in {versions[blueprint.version].path}",
                                 "give one of them a new version")
                    continue
                versions[blueprint.version] = CatalogEntry(blueprint, path)
        problems.raise_if_any()
        self._entries = entries
        return entries

    def names(self) -> list[str]:
        return sorted(self._load())

    def versions(self, name: str) -> list[CatalogEntry]:
        return sorted(self._load().get(name, {}).values(), key=lambda e: semver_key(e.blueprint.version))

    def latest(self, name: str) -> CatalogEntry | None:
        released = [e for e in self.versions(name) if "-" not in e.blueprint.version]
        candidates = released or self.versions(name)
        return candidates[-1] if candidates else None

    def resolve(self, ref: str, *, file: str | Path = "", field: str = "blueprint") -> CatalogEntry:
        """`name@version` (exact) or `name` (latest release)."""
        name, _, version = ref.partition("@")
        versions = self._load().get(name)
        if not versions:
            known = ", ".join(self.names()) or "none"
            guess = did_you_mean(name, self.names())
            raise InvalidInput.single(file, field, f"unknown blueprint {name!r}",
                                      f"{guess + ' ' if guess else ''}known blueprints: {known}; see "
                                      "`provision blueprints list`")
        if not version:
            entry = self.latest(name)
            assert entry is not None
            return entry
        if version not in versions:
            known = ", ".join(e.blueprint.version for e in self.versions(name))
            raise InvalidInput.single(file, field, f"blueprint {name!r} has no version {version!r}",
                                      f"available versions: {known}")
        return versions[version]

    def all(self) -> list[CatalogEntry]:
        return [entry for name in self.names() for entry in self.versions(name)]


# --- released versions are immutable --------------------------------------------------------------

RELEASED_LOCK = "RELEASED.sha256"


def checksum(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_lock(folder: Path) -> dict[str, str]:
    """`name@version` -> sha256 of each released blueprint file, as recorded when it was released."""
    lock = folder / RELEASED_LOCK
    if not lock.is_file():
        return {}
    entries = {}
    for line in lock.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            digest, ref = line.split()
            entries[ref] = digest
    return entries


def write_lock(folder: Path) -> None:
    """Record every release (not pre-release) in `folder`; existing entries are never rewritten."""
    entries = read_lock(folder)
    for entry in Catalog([folder]).all():
        if "-" not in entry.blueprint.version:
            entries.setdefault(entry.blueprint.ref, checksum(entry.path))
    lines = ["# Released blueprint versions and their sha256: a released version is never edited in place.",
             "# Publish a change as a new version; `python -m provisioner.catalog.loader --lock` records new releases."]
    lines += [f"{digest}  {ref}" for ref, digest in sorted(entries.items())]
    (folder / RELEASED_LOCK).write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["--lock"]:
        write_lock(shipped_blueprints_dir())
        print(f"recorded releases in {shipped_blueprints_dir() / RELEASED_LOCK}", file=sys.stderr)
    else:
        print("usage: python -m provisioner.catalog.loader --lock", file=sys.stderr)
        sys.exit(2)
