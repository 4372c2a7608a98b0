"""The product clock (provisioner/runtime/clock.py): every date decision takes today from it, never the machine.

The suite pins PROVISION_TODAY for the whole session (tests/conftest.py), so no test turns red on a date.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from provisioner.runtime import clock

ROOT = Path(__file__).resolve().parent.parent

# Where the machine's calendar may still be read: the clock itself, and the monitoring job's script, which runs
# alone inside a SageMaker processing job (it imports nothing from provision and takes `--now`).
MACHINE_CLOCK_READERS = {"provisioner/runtime/clock.py", "provisioner/monitoring/evaluate.py"}
MACHINE_CLOCK = re.compile(r"\b(date\.today\(|datetime\.now\(|datetime\.utcnow\(|datetime\.today\(|time\.time\(|"
                           r"time\.localtime\(\)|time\.gmtime\(\))")


def test_today_is_the_pinned_day_whatever_the_machine_says(monkeypatch: pytest.MonkeyPatch):
    # GIVEN PROVISION_TODAY and a machine whose calendar is years ahead
    class _Calendar:
        class date(dt.date):
            @classmethod
            def today(cls):
                return dt.date(2031, 1, 1)

    monkeypatch.setenv("PROVISION_TODAY", "2026-11-30")
    monkeypatch.setattr(clock, "dt", _Calendar)
    # WHEN the product asks the day  THEN it is the pinned one
    assert clock.today() == dt.date(2026, 11, 30)
    # AND without the pin it is the machine's
    monkeypatch.delenv("PROVISION_TODAY")
    assert clock.today() == dt.date(2031, 1, 1)


def test_global_today_option_decides_expiry_for_one_command_only(run, today):
    # GIVEN the example org on the suite's day (2026-11-30: nothing in dev has expired, churn-model expires 2027-03-31)
    # WHEN `provision --today 2027-04-01 expired` runs, then `provision expired` without it
    later = run("--today", "2027-04-01", "expired", "--output", "json")
    again = run("expired", "--output", "json")
    # THEN the first sees churn-model expired since one day, the second goes back to the pinned day
    assert later.code == 0 and again.code == 0, later.err + again.err
    assert {"workspace": "churn-model", "expires": "2027-03-31", "days_left": -1, "expired": True} in later.json()
    assert "churn-model" not in {e["workspace"] for e in again.json()}
    assert today == dt.date(2026, 11, 30)


def test_provision_today_moves_the_day_of_every_command(run, on_day):
    # GIVEN PROVISION_TODAY the day after churn-model's expiry
    on_day("2027-04-01")
    # WHEN `provision expired` runs
    result = run("expired", "--output", "json")
    # THEN churn-model is listed as expired
    assert result.code == 0, result.err
    assert "churn-model" in {e["workspace"] for e in result.json() if e["expired"]}


def test_fails_when_provision_today_is_not_a_date(run, on_day):
    # GIVEN PROVISION_TODAY set to a month that does not exist
    on_day("2026-13-01")
    # WHEN any command that decides dates runs
    result = run("expired")
    # THEN it stops with invalid input (exit 2), naming the variable, the value and the format
    assert result.code == 2
    assert len(result.error_lines) == 1
    assert "PROVISION_TODAY" in result.err and "'2026-13-01' is not a date" in result.err and "YYYY-MM-DD" in result.err
    assert "Traceback" not in result.err


def test_no_product_code_reads_the_machine_calendar_outside_the_clock():
    # GIVEN every Python file of the product
    readers = []
    for path in sorted((ROOT / "provisioner").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative in MACHINE_CLOCK_READERS:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if MACHINE_CLOCK.search(line):
                readers.append(f"{relative}:{number}: {line.strip()}")
    # WHEN it is searched for direct reads of the machine's date or time  THEN none is left: they go through the clock
    assert readers == [], "use provisioner.runtime.clock.today() / now():\n" + "\n".join(readers)


MACHINE_IN_2027 = '''
"""Moves the machine calendar the product clock falls back to past churn-model's expiry (2027-03-31)."""
import datetime

from provisioner.runtime import clock


class _Date(datetime.date):
    @classmethod
    def today(cls):
        return datetime.date(2027, 5, 1)


class _Calendar:
    date, datetime, timezone = _Date, datetime.datetime, datetime.timezone


clock.dt = _Calendar
'''


@pytest.mark.moto
def test_expiry_tests_pass_when_the_machine_calendar_is_past_2027_04_01(tmp_path: Path):
    """Runs the inventory tests that read the example org's expiry dates in a pytest of their own, on a machine
    whose calendar (the product clock's only fallback, see the guard above) says 2027-05-01."""
    # GIVEN a plugin that moves the machine calendar past churn-model's expiry
    (tmp_path / "machine_in_2027.py").write_text(MACHINE_IN_2027, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)])}
    env.pop("PROVISION_TODAY", None)  # the suite's conftest pins it again, as it does on every machine
    # WHEN the two expiry tests of the inventory run there
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "machine_in_2027",
         "tests/cloud/test_inventory.py", "-k", "prints_json or prints_findings_for_people"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    # THEN they pass
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "2 passed" in done.stdout
