"""The query tool's thinking: validation and normalisation of an ad-hoc query.

``crm.report.query`` (wizards/crm_report_query.py) is the ORM glue: fields,
onchanges, actions. What a query *is* lives here, testable without a
database:

- ``Query``: the plain content of a query (dataset, dimension and measure
  codes, period, dates, filters, detail, chart), built by the wizard from its
  record or from a template, with its checks (date order, width) and the
  values of the hidden or saved ``crm.report.template`` it becomes
  (``template_values``) with the digest of a hidden template's code
  (``adhoc_code``).
- the checks of ``run_adhoc``'s values given by codes (``check_api_keys``,
  ``api_*``).

Errors are ``QueryError(code, **params)``: the wizard turns each code into
the user's translated ``UserError``/``ValidationError`` (``_query_error``),
the way the template turns a ``report_engine.ReportSpecError`` into one.
"""

import datetime
import hashlib
import json
from dataclasses import dataclass

from . import report_engine

ADHOC_PREFIX = "adhoc_"
# the hidden template of an ad-hoc query, and its runs, are removed once
# the query has not been run for this many days
ADHOC_KEEP_DAYS = 30
# what run_adhoc accepts
API_KEYS = frozenset(
    {
        "dataset",
        "dimensions",
        "measures",
        "period",
        "date_range",
        "date_from",
        "date_to",
        "branch_ids",
        "filters",
        "template_id",
        "detail",
        "chart_type",
        "chart_measure",
        "name",
        "retail_department_id",
    }
)
# what the user gets: a ValidationError for these codes, a UserError otherwise
VALIDATION_CODES = frozenset({"wrong_fields", "dates_order", "too_wide", "too_many_measures"})


class QueryError(ValueError):
    """A query the tool refuses: ``code`` names the reason, ``params`` fill
    its message."""

    def __init__(self, code, **params):
        super().__init__(f"{code}: {params}" if params else code)
        self.code = code
        self.params = params


def split_codes(codes):
    """The codes of a comma-separated list (empty ones dropped)."""
    return [c.strip() for c in (codes or "").split(",") if c.strip()]


def _is_id(value):
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Query:
    """The content of a query: codes, never records."""

    dataset: str
    dimensions: tuple = ()  # dimension codes, the period apart
    measures: tuple = ()
    period: str = "none"  # or one of report_engine.PERIODS
    date_range: str = "custom"
    filter_domain: str = "[]"
    detail: str = "aggregated"
    customer_columns: str = ""
    sensitivity_ceiling: str = "internal"
    chart_type: str = "bar"
    chart_measure: str = ""

    @classmethod
    def from_template(cls, dataset, dimensions, measures, period, filter_domain, detail):
        """The query of a template's comma-separated ``dimensions`` (where
        ``period`` stands for the period grouping) and ``measures``."""
        dims = split_codes(dimensions)
        return cls(
            dataset=dataset,
            dimensions=tuple(d for d in dims if d != "period"),
            measures=tuple(split_codes(measures)),
            period=period if "period" in dims else "none",
            filter_domain=filter_domain or "[]",
            detail=detail,
        )

    def dimension_codes(self):
        """The dimensions of the report: the period first when grouped."""
        return (["period"] if self.period != "none" else []) + list(self.dimensions)

    def same_content(self, other):
        """True when ``other`` asks for the same figures (dates, branches
        and chart aside). A filter that does not parse matches nothing."""
        try:
            same_filters = report_engine.parse_domain(
                other.filter_domain
            ) == report_engine.parse_domain(self.filter_domain)
        except (ValueError, SyntaxError, TypeError):
            return False
        return (
            same_filters
            and self.dataset == other.dataset
            and set(self.dimension_codes()) == set(other.dimension_codes())
            and set(self.measures) == set(other.measures)
            and self.period == other.period
            and self.detail == other.detail
        )

    def check_width(self):
        """Refuse a query wider than a result holds, before anything is made."""
        spec = report_engine.ReportSpec(
            dataset=self.dataset,
            dimensions=self.dimension_codes(),
            measures=list(self.measures),
            detail=self.detail,
            customer_columns=split_codes(self.customer_columns),
        )
        dimensions, measures = spec.width()
        if dimensions > report_engine.MAX_DIMENSIONS:
            raise QueryError("too_wide", count=dimensions, limit=report_engine.MAX_DIMENSIONS)
        if measures > report_engine.MAX_MEASURES:
            raise QueryError("too_many_measures", count=measures, limit=report_engine.MAX_MEASURES)

    def template_values(self, department_id, clearance):
        """The crm.report.template values of the query (content only): the
        sensitivity ceiling is capped at the department's clearance."""
        order = report_engine.SENSITIVITY_ORDER
        clearance = clearance or "internal"
        ceiling = self.sensitivity_ceiling or "internal"
        if order.index(ceiling) > order.index(clearance):
            ceiling = clearance
        return {
            "dataset": self.dataset,
            "dimensions": ",".join(self.dimension_codes()),
            "measures": ",".join(self.measures),
            "period": self.period if self.period != "none" else "month",
            "date_range": self.date_range if self.date_range != "custom" else "all",
            "filter_domain": self.filter_domain or "[]",
            "detail": self.detail,
            "customer_columns": self.customer_columns or "",
            "sensitivity_ceiling": ceiling,
            "chart_type": self.chart_type,
            "chart_measure": self.chart_measure or False,
            "retail_department_id": department_id,
        }


def adhoc_code(uid, values):
    """The code of the hidden template of ``values`` (``template_values``)
    for the user ``uid``: the same query gets the same code."""
    digest = hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()[
        :24
    ]
    return f"{ADHOC_PREFIX}{uid}_{digest}"


def precalc_dataset(dataset, timeliness, datasets):
    """The dataset code a template reads: its pre-calculated source when it
    is pre-calculated (e.g. customer_profit for sales_events)."""
    found = datasets.get(dataset)
    if timeliness == "precalculated" and found and found.precalc:
        for code, candidate in datasets.items():
            if candidate is found.precalc:
                return code
    return dataset


def run_dates(date_from, date_to, date_range, today, bounds):
    """(date_from, date_to) of a run: the dates when given, otherwise those
    of the named range (``bounds(code, today)``)."""
    if date_from or date_to or date_range == "custom":
        return date_from, date_to
    return bounds(date_range, today)


def check_dates(date_from, date_to):
    if date_from and date_to and date_from > date_to:
        raise QueryError("dates_order")


def wrong_fields(dataset, dimensions, measures):
    """The codes of the fields a query may not use: ``dimensions`` and
    ``measures`` are (key, code, dataset, kind) of the chosen fields (the
    chart's measure among the measures); those of another dataset first."""
    chosen = [(f, "dimension") for f in dimensions] + [(f, "measure") for f in measures]
    wrong = {}
    for (key, code, field_dataset, _kind), _role in chosen:
        if field_dataset != dataset:
            wrong.setdefault(key, code)
    for (key, code, _dataset, kind), role in chosen:
        if kind != role:
            wrong.setdefault(key, code)
    return list(wrong.values())


def check_fields(dataset, dimensions, measures):
    wrong = wrong_fields(dataset, dimensions, measures)
    if wrong:
        raise QueryError("wrong_fields", fields=", ".join(wrong), dataset=dataset)


def parse_filters(text):
    """The filter domain of a query, or the error the user sees."""
    try:
        return report_engine.parse_domain(text)
    except (ValueError, SyntaxError, TypeError) as error:
        raise QueryError("bad_filters", error=error) from error


# ----------------------------------------------------------------------
# run_adhoc: values given by codes
# ----------------------------------------------------------------------
def check_api_keys(values):
    if not isinstance(values, dict):
        raise QueryError("not_dict")
    unknown = set(values) - API_KEYS
    if unknown:
        raise QueryError("unknown_keys", keys=", ".join(sorted(unknown)))


def api_template_id(values):
    """The template to start from (an id), or None."""
    template_id = values.get("template_id")
    if not template_id:
        return None
    if not _is_id(template_id):
        raise QueryError("bad_template_id")
    return template_id


def api_codes(key, codes):
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        raise QueryError("bad_codes", key=key)
    return codes


def check_missing(dataset, kind, codes, found):
    """Refuse the ``codes`` not among ``found`` (those of the dataset)."""
    missing = [c for c in codes if c not in found]
    if missing:
        raise QueryError(f"no_{kind}", dataset=dataset, codes=", ".join(missing))


def api_choice(key, value, allowed):
    if value not in allowed:
        raise QueryError("bad_choice", key=key, allowed=", ".join(allowed))
    return value


def api_dates(values):
    """date_from/date_to from ISO dates (explicit dates make the range
    custom)."""
    vals = {}
    for key in ("date_from", "date_to"):
        if key not in values:
            continue
        try:
            vals[key] = datetime.date.fromisoformat(values[key]) if values[key] else False
        except (TypeError, ValueError) as error:
            raise QueryError("bad_date", key=key) from error
        vals["date_range"] = "custom"
    return vals


def api_branch_ids(ids):
    ids = ids or []
    if not isinstance(ids, list) or not all(_is_id(i) for i in ids):
        raise QueryError("bad_branch_ids")
    return ids


def api_filters(filters):
    """The filter domain as the tool stores it (text)."""
    if not isinstance(filters, str | list):
        raise QueryError("bad_filters_type")
    return filters if isinstance(filters, str) else str(filters)


def needs_range_dates(vals, values):
    """True when the dates of a named range must be filled in (none given)."""
    return vals.get("date_range", "custom") != "custom" and not {"date_from", "date_to"} & set(
        values
    )
