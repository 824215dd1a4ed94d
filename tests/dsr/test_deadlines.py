"""Deadlines of requests across month ends and leap years, and the extension rule."""

from datetime import date

import pytest

from lethe.dsr import deadlines


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (date(2026, 1, 15), date(2026, 2, 15)),
        (date(2026, 1, 31), date(2026, 2, 28)),
        (date(2028, 1, 31), date(2028, 2, 29)),  # leap year
        (date(2028, 1, 30), date(2028, 2, 29)),
        (date(2026, 3, 31), date(2026, 4, 30)),
        (date(2026, 12, 31), date(2027, 1, 31)),
        (date(2028, 2, 29), date(2028, 3, 29)),
    ],
)
def test_one_calendar_month(received, due):
    assert deadlines.due_on(received) == due


def test_extension_by_up_to_two_further_months():
    assert deadlines.extended_due_on(date(2026, 1, 31), 2) == date(2026, 4, 30)
    assert deadlines.extended_due_on(date(2027, 11, 30), 2) == date(2028, 2, 29)
    assert deadlines.extended_due_on(date(2026, 1, 31), 1) == date(2026, 3, 31)
    for months in (0, 3):
        with pytest.raises(ValueError, match="1 to 2 months"):
            deadlines.extended_due_on(date(2026, 1, 31), months)


def test_extension_must_be_told_within_the_first_month():
    deadlines.check_extension(date(2026, 1, 31), date(2026, 2, 28), 2)
    with pytest.raises(ValueError, match="within the first month"):
        deadlines.check_extension(date(2026, 1, 31), date(2026, 3, 1), 2)
    with pytest.raises(ValueError, match="before the request"):
        deadlines.check_extension(date(2026, 1, 31), date(2026, 1, 30), 1)


def test_flags():
    today = date(2026, 11, 27)
    assert deadlines.flag(date(2026, 11, 26), today) == "overdue"
    assert deadlines.flag(date(2026, 11, 27), today) == "due-soon"
    assert deadlines.flag(date(2026, 12, 4), today) == "due-soon"
    assert deadlines.flag(date(2026, 12, 5), today) == ""
