"""SQL of the RFM segment rules and age bands (built with odoo.tools.SQL
from the definitions in rfm.py, never from data): the nightly refresh scores
a million customers in one statement with them."""

from odoo.tools import SQL

from . import rfm as rfm_lib

# SQL of the operators the segment rules may use (never taken from data)
_SQL_OPERATORS = {op: SQL(op) for op in rfm_lib.SEGMENT_OPERATORS}


def segment_case(r, f, m, frequency):
    """SQL CASE of rfm.segment(), generated from rfm.SEGMENT_RULES (the one
    definition of the rules, in the same order)."""
    # term: (SQL, factor): FM = (F + M) / 2 is compared as F + M against
    # twice the value, in integer arithmetic (exact, and as fast as before)
    terms = {"r": (r, 1), "fm": (SQL("(%s + %s)", f, m), 2), "frequency": (frequency, 1)}
    whens = [
        SQL(
            "WHEN %s THEN %s",
            SQL(" AND ").join(
                SQL("%s %s %s", terms[term][0], _SQL_OPERATORS[op], value * terms[term][1])
                for term, op, value in conditions
            ),
            code,
        )
        for code, conditions in rfm_lib.SEGMENT_RULES
    ]
    return SQL("CASE %s ELSE %s END", SQL(" ").join(whens), rfm_lib.DEFAULT_SEGMENT)


def age_band_case(birth_year, year):
    """SQL CASE of rfm.age_band() (built from the same edges and codes)."""
    codes = [code for code, _label in rfm_lib.AGE_BANDS[:-1]]
    whens = [
        SQL("WHEN %s - %s < %s THEN %s", year, birth_year, edge, code)
        for edge, code in zip(rfm_lib.AGE_BAND_EDGES, codes, strict=False)
    ]
    return SQL(
        "CASE WHEN COALESCE(%s, 0) = 0 THEN %s %s ELSE %s END",
        birth_year,
        rfm_lib.AGE_BANDS[-1][0],
        SQL(" ").join(whens),
        codes[-1],
    )
