"""The AWS regions that exist, from the partitions data of the installed botocore.

Read straight from botocore's `data/partitions.json` (7 KB) without importing botocore: `validate`
and every other light command load the org config, and importing botocore would cost them ~0.3 s
(tests/test_startup_imports.py). Reading botocore's own file rather than a copy keeps the list as
current as the botocore that will call AWS, with nothing to regenerate; `tests/cli/test_validate.py`
checks that it equals what botocore itself reports, so a botocore that moves the file fails a test.
"""

from __future__ import annotations

import importlib.util
import json
import re
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def known_regions() -> frozenset[str]:
    """Every region of every partition (`aws`, `aws-cn`, `aws-us-gov`, ...), without `aws-global` and the like."""
    spec = importlib.util.find_spec("botocore")  # finds the package without importing it
    if spec is None or spec.origin is None:
        return frozenset()
    try:
        data = json.loads((Path(spec.origin).parent / "data" / "partitions.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return frozenset()
    regions: set[str] = set()
    for partition in data.get("partitions", []):
        pattern = re.compile(partition.get("regionRegex") or ".*")  # leaves out `aws-global` and the like
        regions.update(name for name in partition.get("regions", {}) if pattern.fullmatch(name))
    return frozenset(regions)


def region_problem(region: str) -> str | None:
    """Why `region` is no AWS region, or None when it is one (or the list cannot be read)."""
    regions = known_regions()
    if not regions or region in regions:
        return None
    import difflib

    close = difflib.get_close_matches(region, sorted(regions), n=1)
    suggestion = f"did you mean {close[0]}?" if close else f"AWS regions: {', '.join(sorted(regions))}"
    return f"{region!r} is not an AWS region; {suggestion}"
