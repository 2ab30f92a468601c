"""Spreadsheet cells that never run: formula-looking text is neutralised.

A value such as ``=HYPERLINK("http://evil", "Click")`` typed as a customer's
name becomes a live formula when a CSV file (or a cell written as a formula)
is opened in a spreadsheet application. Following OWASP's advice on CSV
injection, text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return (and their full-width forms, which CJK spreadsheet input
turns into formulas too) is prefixed with an apostrophe, so it is shown as
the text it is. Numbers stay numbers; text that is itself a plain number
(``-12.5``) is left alone, since it cannot run.

Plain Python, standard library only: every CSV and XLSX writer of the suite
passes its cells through here, including the XLSX writer process of
crm_retail_compile, and the tests run without a database.
"""

import re

# OWASP "CSV Injection": = + - @ tab CR; full-width = + - @ as well
FORMULA_PREFIXES = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def is_formula_like(value):
    """True when ``value`` is text a spreadsheet could run as a formula."""
    return (
        isinstance(value, str)
        and bool(value)
        and value[0] in FORMULA_PREFIXES
        and not _PLAIN_NUMBER.fullmatch(value)
    )


def safe_text(value):
    """``value`` with an apostrophe in front when it looks like a formula."""
    if is_formula_like(value):
        return "'" + value
    return value


def safe_cell(value):
    """A cell value: text through ``safe_text``, anything else unchanged
    (numbers, dates, booleans and ``None`` cannot run)."""
    return safe_text(value) if isinstance(value, str) else value


def safe_row(row):
    """The cells of a row, each through ``safe_cell``."""
    return [safe_cell(value) for value in row]
