"""Clienteling occasions: the next birthday or anniversary, plain Python."""

import calendar
import datetime


def occurrence(month, day, year):
    """The date of (month, day) in ``year``; 29 February becomes 28 February."""
    day = min(day, calendar.monthrange(year, month)[1])
    return datetime.date(year, month, day)


def next_occurrence(month, day, today):
    """The next (month, day) on or after ``today``."""
    if not (month and day):
        return None
    this_year = occurrence(month, day, today.year)
    if this_year >= today:
        return this_year
    return occurrence(month, day, today.year + 1)


def is_due(month, day, today, lead_days):
    """(due, date): whether the occasion falls within ``lead_days`` from today."""
    date = next_occurrence(month, day, today)
    if date is None:
        return False, None
    return (date - today).days <= lead_days, date
