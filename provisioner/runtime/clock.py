"""The product's clock: the one place `provision` asks what day it is.

`today()` decides every date question (is a workspace past `expires`, how many days are left, the `as_of` of a
price table). It reads, in order: the global `--today YYYY-MM-DD` option, `PROVISION_TODAY`, the machine. A fixed
day makes a fleet's expiry reproducible (an auditor re-running last month's report) and keeps tests independent
of the calendar: the suite pins `PROVISION_TODAY` for the whole session.

`now()` is the machine's UTC time, never pinned: it stamps names and logs and bounds look-backs that are compared
with the cloud's own timestamps (CloudWatch windows, creation times), which follow the real clock.
"""

from __future__ import annotations

import datetime as dt
import os

ENV = "PROVISION_TODAY"

_option: dt.date | None = None  # the global --today option of the running command


def parse_day(value: str, source: str, field: str) -> dt.date:
    """A YYYY-MM-DD day, or one invalid-input error naming where the bad value came from."""
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        from provisioner.errors import InvalidInput

        raise InvalidInput.single(source, field, f"{value!r} is not a date",
                                  "use YYYY-MM-DD, for example 2026-11-30") from None


def set_today(value: dt.date | None) -> None:
    """Pin today for the running command (the global `--today`); None goes back to PROVISION_TODAY / machine."""
    global _option
    _option = value


def today() -> dt.date:
    """The day every date decision uses: --today, else PROVISION_TODAY, else the machine's local date."""
    if _option is not None:
        return _option
    pinned = os.environ.get(ENV, "").strip()
    if pinned:
        return parse_day(pinned, "<environment>", ENV)
    return dt.date.today()


def now() -> dt.datetime:
    """The machine's time in UTC (timezone-aware): for stamps and look-backs against the cloud's timestamps."""
    return dt.datetime.now(dt.timezone.utc)
