"""How messages show a path: relative to the current folder when it can be (`cdktf.out/stacks/x/cdk.tf.json`)."""

from __future__ import annotations

import os
from pathlib import Path


def shown(path: Path | str) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return str(path)
