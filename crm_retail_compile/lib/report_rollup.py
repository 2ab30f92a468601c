"""When a report run may read a pre-aggregated source instead of its raw rows.

A dataset may declare a pre-aggregated source (``report_engine.Dataset.rollup``,
e.g. the order lines summed per order and product category:
``crm.sales.line.rollup``). A run reads it only when the figures are the same
as those of the raw rows, to the cent and to the customer:

- every dimension and measure of the query exists in the source (the
  source keeps the same codes; what it cannot answer, e.g. the product or
  the average discount of the order lines, is left out of it);
- the filters name only fields the source holds under the same name and
  meaning (``SHARED_ROOTS``), so the same domain selects the same rows;
- the run's time zone is the one the source's local dates were computed in;
- the requester's record rules on the raw model and on the source are the
  same domain (the source mirrors the raw model's rules; an add-on that adds
  a rule to the raw model turns the source off for the users it concerns);
- the source is built and up to date (the caller refreshes it first).

Plain Python, testable without a database; the ORM side is
``crm.report.run._rollup_spec`` (models/crm_report_run_rollup.py).
"""

from . import report_engine

# fields of the raw order lines that the pre-aggregated rows hold under the
# same name and meaning: filters on them (and on paths through them, e.g.
# ``order_partner_id.district_id``) select the same rows on both
SHARED_ROOTS = {
    "crm.sales.line.rollup": frozenset(
        {"order_id", "order_partner_id", "retail_branch_id", "salesman_id", "company_id"}
    ),
}
DOMAIN_OPERATORS = ("&", "|", "!")


def domain_roots(domain):
    """The first field names of the leaves of ``domain`` (a parsed filter),
    or None when a leaf is not a plain (path, operator, value) condition."""
    roots = set()
    for term in domain:
        if term in DOMAIN_OPERATORS:
            continue
        if not isinstance(term, list | tuple) or len(term) != 3:
            return None
        path = term[0]
        if isinstance(path, int) and not isinstance(path, bool) and path in (0, 1):
            continue  # (1, '=', 1) and (0, '=', 1)
        if not isinstance(path, str) or not path:
            return None
        roots.add(path.split(".", 1)[0])
    return roots


def covers(spec, dataset, filters):
    """True when the pre-aggregated source of ``dataset`` answers ``spec``
    (dimensions, measures, level of detail) with ``filters`` (the parsed
    filter domain of the template)."""
    source = dataset.rollup
    if source is None or spec.precalculated or spec.rollup:
        return False
    if any(d != "period" and d not in source.dimensions for d in spec.dimensions):
        return False
    if not spec.measures or any(m not in source.measures for m in spec.measures):
        return False
    if spec.period not in report_engine.PERIODS:
        return False
    roots = domain_roots(filters)
    if roots is None:
        return False
    return roots <= SHARED_ROOTS.get(source.model, frozenset())


def same_rules(raw_domain, source_domain):
    """True when the record-rule domains of the raw model and of the source
    (``ir.rule._compute_domain`` for the requester) are the same."""
    return repr(list(raw_domain or [])) == repr(list(source_domain or []))
