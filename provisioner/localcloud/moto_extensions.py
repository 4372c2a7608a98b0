"""AWS calls that moto lacks but the AWS provider and provision make, added to moto's backends in-process.

`install()` is called by the local cloud's server process before it serves; each extension stores and
returns state the way moto's own backends do. The list grows here, one function per missing call.
"""

from __future__ import annotations


def install() -> list[str]:
    """Add every extension to the moto backends of this process; returns the operations added."""
    return []
