"""The built-in rule pack: one rule per module, `prov_NNN_<what>.py`.

`load_rules()` imports every module here (skipping `_helpers`) and collects
the one `Rule` each defines. Adding a rule is adding a file.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

from provisioner.audit.rule import Rule


@lru_cache(maxsize=1)
def load_rules() -> tuple[Rule, ...]:
    rules: list[Rule] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        found = [v for v in vars(module).values() if isinstance(v, Rule) and v.module == module.__name__]
        if len(found) != 1:
            raise RuntimeError(f"{module.__name__} must define exactly one rule, found {len(found)}")
        rules.append(found[0])
    ids = [r.id for r in rules]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise RuntimeError(f"duplicate rule ids: {', '.join(duplicates)}")
    return tuple(sorted(rules, key=lambda r: r.id))


def rules_by_id() -> dict[str, Rule]:
    return {r.id: r for r in load_rules()}
