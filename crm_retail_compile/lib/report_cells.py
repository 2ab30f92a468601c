"""Pre-aggregated cells by month and by week: interactive aggregates that
read thousands of rows, not millions, with the same figures as the rows they
sum.

A *cell source* (``CELL_SOURCES``) is a report dataset's source table (the
sales events, the pre-aggregated order lines, the customer profit) summed per
local month at a few *grains* (``CellSource.sets``: the company with none,
one or two of the source's own dimensions, e.g. ``branch`` or ``branch,
product_category``). ``crm.report.cell`` (models/crm_report_cell.py) holds
them; a run reads them when they answer its query exactly
(``plan``), otherwise the rows themselves.

Additive measures (sums, counts, net orders) are summed per cell. Distinct
counts (customers, orders) are not additive across cells: a customer who
bought in January and in March is one customer of the quarter. They are kept
exact with one row per cell and *previous active unit*: for each customer
(or order) of a cell, the unit (see below) in which the same customer was
last active at the same grain. A customer is counted once in a period (or in
the whole run) at its first unit inside it: its row's previous unit lies
before the period or before the run's first day. So

    distinct(K, months m1..m2) = SUM(count) over the rows of K with m1 <= month <= m2
                                 whose previous unit is empty, before m1's
                                 period, or before the run's first day

which the run filters with flags stored on each row (``new_month``,
``new_quarter``, ``new_year``, ``new_week``, ``prev_unit``) and sums like
any measure.

*Units.* A run filters its rows by UTC days (``event_date >= date_from``)
and groups them by local months (Hong Kong, UTC+8). The first eight hours of
a local month fall on the last UTC day of the month before: each local month
is kept as two units, its *head* (unit = that UTC day) and its *body* (unit =
the first day of the month), so a run whose dates start on the first of a
month (and end on one, or after the last row) selects exactly the units its
UTC filter selects.

*Families.* The month family answers months, quarters and years. The week
family (events and order lines) cuts local weeks at month ends into pieces,
each with its head and body as above: a run grouping by week whose dates
start and end on a piece's edge (the first of a month or a Monday) selects
whole units, and a week's distinct customers are those whose previous unit
lies in an earlier week (``new_week``). Days read the rows.

*Upkeep.* The cells are only ever summed, so a change of the source is
carried by signed rows appended to them (``delta_statements``): the cells of
the changed records' new rows minus those of their old rows for the sums;
for a distinct count, which depends on all of a customer's units at a grain,
the cells of every row now of the customers (or orders) the change touches
minus those of the same rows before. A rebuild gives the same sums per cell
(tested); it compacts them when the appended rows outgrow the built ones.

A run reads the cells only when (``plan``): the cells hold every change of
their source (a run on the primary applies the waiting ones first), the
requester's time zone is the cells' one, the query is aggregated, its
dimensions and measures are in the cells, the period is a month, quarter,
year or week (or none), its filters are conditions on the cells'
dimensions (held to one value when a distinct count would otherwise add
up), the requester's record rules on the source name only the company and
the branch, the visible (company, branch)
pairs are one company and either every branch of the run's months or one
branch (or the query groups by branch), and the dates cut no unit.
Otherwise the run reads the rows (what it did before): same figures, slower.

Plain Python and ``odoo.tools.SQL``: nothing here executes SQL.
"""

import dataclasses
import datetime
from dataclasses import dataclass

from odoo.tools import SQL

from . import report_engine

CELL_MODEL = "crm.report.cell"
CELL_TABLE = "crm_report_cell"
CELL_TZ = "Asia/Hong_Kong"
# the columns of the rows visible to a user: record rules naming other
# fields send the run to the rows
VISIBILITY = ("company_id", "retail_branch_id")
# cell families: the periods their units nest in, and the periods a run
# groups by that each family answers
FAMILIES = {"month": ("month", "quarter", "year"), "week": ("week",)}
# row kinds: the sums of a cell, or the distinct count of one measure
SUM_KIND = "sum"
# aggregates the cells keep as sums of the source's rows
ADDITIVE = frozenset(
    {
        "sum",
        "count",
        "count_set",
        "difference",
        "sum_if_revenue",
        "sum_if_revenue_value",
        "count_type",
        "net_orders",
        "count_value",
    }
)


@dataclass(frozen=True)
class CellSource:
    code: str  # crm.report.cell.source
    dataset: str  # the report dataset code whose source model this is
    model: str  # the model (and rules) of the rows
    table: str
    # SQL over the alias ``s``: the UTC day the run's dates filter, the
    # local day the period groups by
    utc_day: str
    local_day: str
    # dimension code -> column of the source (the same field on the cells)
    dims: dict
    # the columns ``utc_day`` and ``local_day`` read
    date_columns: tuple = ()
    # columns whose values each lie in one unit (an order has one day):
    # their distinct counts need no previous unit
    single_unit: frozenset = frozenset()
    # the cell families kept (``FAMILIES``)
    families: tuple = ("month",)

    def sets(self):
        """The grains kept: none, one or two dimensions (the branch with
        another), the company always."""
        others = [d for d in self.dims if d != "branch"]
        sets = [(), ("branch",)]
        for dim in others:
            sets += [(dim,), ("branch", dim)]
        return [tuple(sorted(s)) for s in sets]


CELL_SOURCES = {
    "events": CellSource(
        code="events",
        dataset="sales_events",
        model="crm.sales.event",
        table="crm_sales_event",
        utc_day="(s.event_date)::date",
        local_day="(timezone('Asia/Hong_Kong', timezone('UTC', s.event_date)))::date",
        date_columns=("event_date",),
        families=("month", "week"),
        dims={
            "branch": "retail_branch_id",
            "tier": "membership_tier_id",
            "salesperson": "user_id",
            "sales_team": "team_id",
            "step": "event_type",
            "sales_channel": "sales_channel",
        },
    ),
    "lines": CellSource(
        code="lines",
        dataset="order_lines",
        model="crm.sales.line.rollup",
        table="crm_sales_line_rollup",
        utc_day="s.order_date",
        local_day="s.local_date",
        date_columns=("order_date", "local_date"),
        families=("month", "week"),
        dims={
            "branch": "retail_branch_id",
            "product_category": "categ_id",
            "salesperson": "salesman_id",
            "sales_channel": "sales_channel",
        },
        single_unit=frozenset({"order_id"}),
    ),
    "profit": CellSource(
        code="profit",
        dataset="customer_profit",
        model="crm.customer.profit",
        table="crm_customer_profit",
        utc_day="s.month",
        local_day="s.month",
        date_columns=("month",),
        dims={
            "branch": "retail_branch_id",
            "home_branch": "home_branch_id",
            "district": "district_id",
            "tier": "membership_tier_id",
            "channel": "retail_channel",
            "residency": "residency",
            "main_channel": "sales_channel",
        },
    ),
}


def set_code(dims):
    return ",".join(sorted(dims))


def source_for_model(model):
    """The cell source of a dataset source model, or None."""
    for source in CELL_SOURCES.values():
        if source.model == model:
            return source
    return None


def dataset_of_model(datasets, model):
    """The dataset (or pre-calculated or pre-aggregated source) read from
    ``model``, among ``datasets``."""
    for dataset in datasets.values():
        for candidate in (dataset, dataset.precalc, dataset.rollup):
            if candidate is not None and candidate.model == model:
                return candidate
    return None


def source_measures(source, dataset):
    """{code: (kind, Measure of the dataset)} of the dataset's measures the
    cells keep: ``"sum"`` (additive, a column summed per cell),
    ``"distinct"`` (a distinct count over a column of the source) or
    ``"ratio"`` (recomputed from two kept measures)."""
    kept = {}
    for code, measure in dataset.measures.items():
        agg = measure.agg
        if agg[0] in ADDITIVE and all("." not in p for p in _source_fields(agg)):
            kept[code] = ("sum", measure)
        elif agg[0] == "count_distinct" and "." not in agg[1]:
            kept[code] = ("distinct", measure)
    for code, measure in dataset.measures.items():
        agg = measure.agg
        if agg[0] == "ratio" and agg[1] in kept and agg[2] in kept:
            kept[code] = ("ratio", measure)
    return kept


def _source_fields(agg):
    """The field paths an aggregate names (values aside)."""
    kind = agg[0]
    if kind in ("count_type", "net_orders"):
        return {"event_type"}
    if kind == "sum_if_revenue":
        return {agg[1], "is_revenue"}
    if kind == "sum_if_revenue_value":
        return {agg[1], agg[2], "is_revenue"}
    if kind == "count_value":
        return {agg[1]}
    if kind == "difference":
        return {agg[1], agg[2]}
    return {agg[1]}


def cell_dataset(source, dataset, cell_fields):
    """The report dataset over ``crm.report.cell`` that answers ``dataset``
    from the cells of ``source``: the same dimension and measure codes,
    labels and types; sums and distinct counts are sums of cell columns
    named after their measure (``cell_fields``: the columns the cells
    have)."""
    dimensions = {
        code: dataclasses.replace(dataset.dimensions[code], path=column)
        for code, column in source.dims.items()
        if code in dataset.dimensions and "." not in dataset.dimensions[code].path
    }
    measures = {}
    for code, (kind, measure) in source_measures(source, dataset).items():
        if kind == "ratio":
            measures[code] = measure
        elif code in cell_fields:
            measures[code] = dataclasses.replace(
                measure,
                agg=("sum", code),
                kind=report_engine.measure_kind(measure),
            )
    return report_engine.Dataset(
        model=CELL_MODEL,
        label=dataset.label,
        date_field="unit",
        period_field="month",
        customer_field=None,
        dimensions=dimensions,
        measures={c: m for c, m in measures.items() if _ratio_ok(m, measures)},
    )


def _ratio_ok(measure, measures):
    agg = measure.agg
    return agg[0] != "ratio" or (agg[1] in measures and agg[2] in measures)


# ----------------------------------------------------------------------
# Build and upkeep
# ----------------------------------------------------------------------
def _unit_sql(source, family="month"):
    """The unit of a source row: its UTC day on the head of a piece, else
    the piece's first day. Pieces are local months (the month family) or
    local weeks cut at month ends (the week family), so that a run whose
    dates start and end on a piece's edge selects whole units."""
    start = _piece_sql(source, family)
    return SQL(
        "CASE WHEN (%(utc)s) < %(start)s THEN (%(utc)s) ELSE %(start)s END",
        utc=SQL(source.utc_day),
        start=start,
    )


def _piece_sql(source, family):
    month = SQL("date_trunc('month', (%s)::timestamp)::date", SQL(source.local_day))
    if family == "month":
        return month
    return SQL("GREATEST(%s, %s)", _period_sql(source, family), month)


def _period_sql(source, family="month"):
    """The period of a source row: its local month or week."""
    return SQL(
        "date_trunc(%s, (%s)::timestamp)::date",
        "week" if family == "week" else "month",
        SQL(source.local_day),
    )


def _measure_sql(agg):
    """SQL of an additive aggregate over the source alias ``s``."""

    def field_sql(path):
        return SQL.identifier("s", path)

    return report_engine._aggregate(agg, field_sql, field_sql, None)


@dataclass(frozen=True)
class CellKind:
    """One kind of cell rows at one grain: the sums (``values``: {cell
    column: aggregate}), or the distinct count of one measure (``code``,
    over the source column ``column``; ``single``: its values each lie in
    one unit, no previous unit)."""

    source: CellSource
    dims: tuple
    code: str  # SUM_KIND or the distinct measure's code
    values: dict = dataclasses.field(default_factory=dict)
    column: str = None
    single: bool = False
    family: str = "month"  # FAMILIES

    def keys(self):
        return ["company_id"] + [self.source.dims[d] for d in self.dims]

    def group_columns(self):
        """The cell columns a row of this kind is keyed by, in select order."""
        extra = []
        if self.code != SUM_KIND:
            extra = ["prev_unit"] if not self.single else []
            extra += ["new_month", "new_quarter", "new_year", "new_week"]
        return [*self.keys(), "month", "unit", *extra]

    def value_columns(self):
        return list(self.values) if self.code == SUM_KIND else [self.code]

    def select(self, rows):
        """SELECT of the cell rows of ``rows`` (a FROM item aliased ``s``
        with the source's columns), columns in ``group_columns()`` then
        ``value_columns()`` order."""
        source = self.source
        src_keys = SQL(", ").join(SQL.identifier("s", c) for c in self.keys())
        month, unit = _period_sql(source, self.family), _unit_sql(source, self.family)
        if self.code == SUM_KIND:
            return SQL(
                "SELECT %(keys)s, %(month)s, %(unit)s, %(values)s FROM %(rows)s "
                "GROUP BY %(keys)s, %(month)s, %(unit)s",
                keys=src_keys,
                month=month,
                unit=unit,
                values=SQL(", ").join(_measure_sql(agg) for agg in self.values.values()),
                rows=rows,
            )
        value = SQL.identifier("s", self.column)
        if self.single:
            return SQL(
                "SELECT %(keys)s, %(month)s, %(unit)s, TRUE, TRUE, TRUE, TRUE, "
                "COUNT(DISTINCT %(value)s) "
                "FROM %(rows)s WHERE %(value)s IS NOT NULL GROUP BY %(keys)s, %(month)s, %(unit)s",
                keys=src_keys,
                month=month,
                unit=unit,
                value=value,
                rows=rows,
            )
        keys = SQL(", ").join(SQL.identifier(c) for c in self.keys())
        return SQL(
            """
            SELECT %(keys)s, month, unit, prev_unit, %(flags)s, COUNT(*)
              FROM (SELECT %(keys)s, month, unit,
                           lag(unit) OVER w AS prev_unit, lag(month) OVER w AS prev_month
                      FROM (SELECT DISTINCT %(src_keys)s, %(value)s AS value,
                                   %(month)s AS month, %(unit)s AS unit
                              FROM %(rows)s
                             WHERE %(value)s IS NOT NULL) d
                    WINDOW w AS (PARTITION BY %(keys)s, value ORDER BY unit)) x
             GROUP BY %(keys)s, month, unit, prev_unit, prev_month
            """,
            keys=keys,
            src_keys=src_keys,
            value=value,
            month=month,
            unit=unit,
            rows=rows,
            flags=self._flags_sql(),
        )

    def _flags_sql(self):
        """new_month, new_quarter, new_year, new_week of a distinct row:
        whether the customer's previous unit (``prev_month``: its period)
        lies before this row's period; each family sets its own."""

        def new(period):
            return SQL(
                "prev_month IS NULL OR prev_month < date_trunc(%s, month::timestamp)::date",
                period,
            )

        if self.family == "week":
            return SQL("NULL::boolean, NULL::boolean, NULL::boolean, %s", new("week"))
        return SQL("%s, %s, %s, NULL::boolean", new("month"), new("quarter"), new("year"))

    def insert(self, select):
        """INSERT of the rows of ``select`` (a SELECT of this kind's columns)."""
        columns = self.group_columns() + self.value_columns()
        return SQL(
            "INSERT INTO crm_report_cell (source, set_code, kind, family, %(columns)s) "
            "SELECT %(source)s, %(set_code)s, %(kind)s, %(family)s, q.* FROM (%(select)s) q",
            columns=SQL(", ").join(SQL.identifier(c) for c in columns),
            source=self.source.code,
            set_code=set_code(self.dims),
            kind=self.code,
            family=self.family,
            select=select,
        )

    def build_sql(self):
        """INSERT of this kind's cells from the whole source table."""
        return self.insert(self.select(SQL("%s s", SQL.identifier(self.source.table))))

    def delta_sql(self, after, before):
        """INSERT of the signed rows that turn this kind's cells of the rows
        ``before`` into those of the rows ``after`` (FROM items aliased ``s``
        holding the same units: the changed records' old and new rows, or
        every row of the customers whose rows changed). The cells are only
        ever summed: a row and its negative cancel."""
        group = SQL(", ").join(SQL.identifier(c) for c in self.group_columns())
        values = self.value_columns()
        return self.insert(
            SQL(
                """
                SELECT %(group)s, %(sums)s
                  FROM (SELECT * FROM (%(after)s) a (%(names)s)
                        UNION ALL
                        SELECT %(group)s, %(negated)s FROM (%(before)s) b (%(names)s)) d
                 GROUP BY %(group)s
                HAVING %(nonzero)s
                """,
                group=group,
                names=SQL(", ").join(SQL.identifier(c) for c in self.group_columns() + values),
                sums=SQL(", ").join(SQL("SUM(%s)", SQL.identifier(c)) for c in values),
                negated=SQL(", ").join(SQL("-%s", SQL.identifier(c)) for c in values),
                after=self.select(after),
                before=self.select(before),
                nonzero=SQL(" OR ").join(
                    SQL("COALESCE(SUM(%s), 0) <> 0", SQL.identifier(c)) for c in values
                ),
            )
        )


def cell_kinds(source, dataset, cell_fields, columns=None):
    """Every kind of cell rows of ``source`` (for ``dataset``): the sums and
    each distinct count at each grain. ``columns``: those the source table
    has (a dimension or measure over a missing one is left out), all when
    None."""
    if columns is not None:
        source = dataclasses.replace(
            source, dims={code: c for code, c in source.dims.items() if c in columns}
        )
        dataset = dataclasses.replace(
            dataset,
            measures={
                code: m
                for code, m in dataset.measures.items()
                if m.agg[0] == "ratio" or _source_fields(m.agg) <= set(columns)
            },
        )
    kept = source_measures(source, dataset)
    sums = {
        code: measure.agg
        for code, (kind, measure) in kept.items()
        if kind == "sum" and code in cell_fields
    }
    distinct = {
        code: measure.agg[1]
        for code, (kind, measure) in kept.items()
        if kind == "distinct" and code in cell_fields
    }
    kinds = []
    for family in source.families:
        for dims in source.sets():
            if any(d not in source.dims for d in dims):
                continue
            kinds.append(CellKind(source, dims, SUM_KIND, values=sums, family=family))
            for code, column in distinct.items():
                kinds.append(
                    CellKind(
                        source,
                        dims,
                        code,
                        column=column,
                        single=column in source.single_unit,
                        family=family,
                    )
                )
    return kinds


def build_statements(source, dataset, cell_fields, columns=None):
    """Every INSERT that builds the cells of ``source`` from its table."""
    return [kind.build_sql() for kind in cell_kinds(source, dataset, cell_fields, columns)]


def log_columns(source, dataset, cell_fields, columns=None):
    """The source columns the cells read (``id`` first): what the change
    log of a source keeps of each old and new row."""
    needed = {"id", "company_id", *source.date_columns}
    for kind in cell_kinds(source, dataset, cell_fields, columns):
        needed.update(kind.keys())
        if kind.column:
            needed.add(kind.column)
        for agg in kind.values.values():
            needed.update(_source_fields(agg))
    needed.discard("id")
    return ["id", *sorted(needed)]


@dataclass
class Delta:
    """The statements of an upkeep: ``prepare`` (temporary tables of the
    rows before and after, each read once), ``inserts`` (the signed cell
    rows, one per kind), ``temps`` (the temporary tables to drop after)."""

    prepare: list
    inserts: list
    temps: list


def delta_statements(source, dataset, cell_fields, log, columns=None):
    """The statements that bring the cells of ``source`` from the rows they
    were built from to the rows of the table now, given the changes between
    (``log``: a table of the changed records' rows, one per record, as they
    were (``sign`` -1) or absent before (``sign`` 1); see crm.report.cell).

    Sums: the changed records' rows now minus their rows before. Distinct
    counts depend on every row of a customer (or order) at a grain: every
    row now of the values the changes touch, minus the same rows before
    (those not changed, and the changed ones as they were). Each set of rows
    is read once into a temporary table that every grain's INSERT reads."""
    log_table = SQL.identifier(log)
    table = SQL.identifier(source.table)
    names = log_columns(source, dataset, cell_fields, columns)
    kinds = cell_kinds(source, dataset, cell_fields, columns)
    delta = Delta([], [], [])

    def cols(alias):
        return SQL(", ").join(SQL.identifier(alias, c) for c in names)

    def temp(name, query):
        delta.temps.append(name)
        delta.prepare.append(
            SQL("CREATE TEMP TABLE %s ON COMMIT DROP AS %s", SQL.identifier(name), query)
        )
        delta.prepare.append(SQL("ANALYZE %s", SQL.identifier(name)))
        return SQL("%s s", SQL.identifier(name))

    after = temp(
        "crm_report_cell_after",
        SQL("SELECT %s FROM %s s WHERE s.id IN (SELECT id FROM %s)", cols("s"), table, log_table),
    )
    before = SQL("(SELECT %s FROM %s l WHERE l.sign < 0) s", cols("l"), log_table)
    rows = {None: (after, before)}
    for column in sorted({kind.column for kind in kinds if kind.column}):
        c = SQL.identifier(column)
        values = f"crm_report_cell_values_{column}"
        temp(
            values,
            SQL(
                "SELECT %(c)s AS value FROM %(log)s WHERE %(c)s IS NOT NULL "
                "UNION SELECT %(c)s FROM crm_report_cell_after WHERE %(c)s IS NOT NULL",
                c=c,
                log=log_table,
            ),
        )
        after_name = f"crm_report_cell_after_{column}"
        rows[column] = (
            temp(
                after_name,
                SQL(
                    "SELECT %s FROM %s s JOIN %s v ON v.value = s.%s",
                    cols("s"),
                    table,
                    SQL.identifier(values),
                    c,
                ),
            ),
            temp(
                f"crm_report_cell_before_{column}",
                SQL(
                    """SELECT %(a_cols)s FROM %(after)s a
                        WHERE NOT EXISTS (SELECT 1 FROM %(log)s l WHERE l.id = a.id)
                       UNION ALL
                       SELECT %(l_cols)s FROM %(log)s l JOIN %(values)s v ON v.value = l.%(c)s
                        WHERE l.sign < 0""",
                    a_cols=cols("a"),
                    after=SQL.identifier(after_name),
                    log=log_table,
                    l_cols=cols("l"),
                    values=SQL.identifier(values),
                    c=c,
                ),
            ),
        )
    for kind in kinds:
        kind_after, kind_before = rows[kind.column]
        delta.inserts.append(kind.delta_sql(kind_after, kind_before))
    return delta


# ----------------------------------------------------------------------
# Plan: may a run read the cells, and which ones
# ----------------------------------------------------------------------
@dataclass
class Plan:
    set_code: str
    domain: list  # on crm.report.cell: the rows to sum
    dataset: report_engine.Dataset  # the cells dataset to compile with
    distinct: set = dataclasses.field(default_factory=set)  # distinct-count codes


# the filters the cells apply: conditions on a dimension they keep
FILTER_OPERATORS = ("=", "!=", "in", "not in")


def filter_dims(source, filters):
    """{dimension code: single-valued} of ``filters`` (a parsed domain)
    when every leaf is a plain condition on a column of one of the source's
    dimensions (the branch aside: runs choose branches apart), joined by
    AND; else None. Single-valued: a dimension held to one value (``=`` a
    value, ``in`` one value) by one of its conditions."""
    columns = {column: code for code, column in source.dims.items() if code != "branch"}
    found = {}
    for term in filters or []:
        if term == "&":
            continue
        if not isinstance(term, list | tuple) or len(term) != 3:
            return None
        path, operator, value = term
        if not isinstance(path, str) or path not in columns or operator not in FILTER_OPERATORS:
            return None
        if operator in ("in", "not in"):
            if not isinstance(value, list | tuple) or not all(_scalar(v) for v in value):
                return None
            single = operator == "in" and len(value) == 1
        else:
            if not _scalar(value):
                return None
            single = operator == "=" and value is not False
        code = columns[path]
        found[code] = found.get(code, False) or single
    return found


def _scalar(value):
    return isinstance(value, int | str)


def query_fits(spec, cells_dataset, filters, source, distinct=()):
    """Why the cells cannot answer ``spec`` by its shape (a short reason),
    or None when they can (visibility and dates aside). ``distinct``: the
    codes of the distinct counts (customers, orders)."""
    if spec.detail != "aggregated":
        return "detail"
    grouped = [d for d in spec.dimensions if d != "period"]
    if any(d not in cells_dataset.dimensions for d in grouped):
        return "dimension"
    if not spec.measures or any(m not in cells_dataset.measures for m in spec.measures):
        return "measure"
    if family_for(spec, source) is None:
        return "period"
    filtered = filter_dims(source, filters)
    if filtered is None or any(d not in cells_dataset.dimensions for d in filtered):
        return "filters"
    # a distinct count over several values of a dimension not grouped by
    # would add up customers counted once per value
    counts = set(distinct)
    for code in spec.measures:
        agg = cells_dataset.measures[code].agg
        if agg[0] == "ratio" and (agg[1] in distinct or agg[2] in distinct):
            counts.add(code)
    if counts & set(spec.measures) and any(
        not single and code not in grouped for code, single in filtered.items()
    ):
        return "filters"
    dims = set(grouped) | set(filtered)
    if len(dims) > 2 or (len(dims) == 2 and "branch" not in dims):
        return "grain"
    return None


def choose_set(grouped, visible, present):
    """The grain to read, or None: ``grouped`` dimension codes, ``visible``
    and ``present`` the (company, branch) pairs the requester may read and
    those the run's months hold (with the run's branch filter aside).

    A rolled-up grain sums every branch: it serves only when the requester
    reads all of them. With some branches only, the grain keeps the branch:
    exact per row when rows are per branch or there is one branch."""
    companies = {company for company, _branch in visible}
    if len(companies) > 1:
        return None
    dims = set(grouped)
    if set(visible) != set(present):
        branches = {branch for _company, branch in visible}
        if "branch" not in dims and len(branches) > 1:
            return None
        dims.add("branch")
    return set_code(dims)


def family_for(spec, source):
    """The cell family that answers ``spec``'s period (the month family
    when it groups by none), or None."""
    if "period" not in spec.dimensions:
        return "month"
    for family in source.families:
        if spec.period in FAMILIES[family]:
            return family
    return None


def _piece_start(day, family):
    """True when ``day`` begins a piece of ``family``: the first of a month,
    or (weeks) a Monday."""
    return day.day == 1 or (family == "week" and day.weekday() == 0)


def dates_fit(date_from, date_to, max_utc_day, family="month"):
    """True when the run's days cut no unit: it starts on a piece's first
    day (the first of a month; for weeks also a Monday) or has no start,
    and ends on a piece's last day, after the last row, or has no end."""
    if date_from and not _piece_start(date_from, family):
        return False
    if date_to:
        end = date_to + datetime.timedelta(days=1)
        if not _piece_start(end, family) and max_utc_day is not None and max_utc_day >= end:
            return False
    return True


def rows_domain(
    source, spec, code, date_from, date_to, companies, branches, filters=(), family="month"
):
    """The domain of the cells a run sums: the grain ``code``, the run's
    units, the visible company and branches, the run's filters (on the
    dimension columns the cells share with the source), and for distinct
    counts the rows of the first unit of each customer in each period (or
    in the run)."""
    domain = [("source", "=", source.code), ("set_code", "=", code), ("family", "=", family)]
    domain += [tuple(term) for term in filters or [] if term != "&"]
    domain.append(("company_id", "in", sorted(companies)))
    if branches is not None:
        domain.append(("retail_branch_id", "in", sorted(b for b in branches if b)))
        if None in branches or False in branches:
            domain[-1:] = [
                "|",
                ("retail_branch_id", "in", sorted(b for b in branches if b)),
                ("retail_branch_id", "=", False),
            ]
    if date_from:
        domain.append(("unit", ">=", date_from))
    if date_to:
        domain.append(("unit", "<", date_to + datetime.timedelta(days=1)))
    if "period" in spec.dimensions:
        first = [(f"new_{spec.period}", "=", True)]
    else:
        first = [("prev_unit", "=", False)]
    if date_from:
        first = ["|", *first, ("prev_unit", "<", date_from)]
    domain += ["|", ("kind", "=", SUM_KIND), *first]
    return domain
