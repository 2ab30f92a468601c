"""Report compiler: declarative datasets turned into one set-based SQL query.

This is the thinking part of the department reports, kept apart from the ORM
the way OCA mis_builder keeps its expression engine apart from its models:

- ``BASE_DATASETS`` maps every named dimension and measure of a dataset to a
  field path of the dataset's model, in one place. An Odoo upgrade that
  renames a field is fixed here, and templates (data) only ever name
  dimensions and measures. The datasets a database knows are not a
  process-wide registry: ``crm.report.template._get_datasets()`` returns them
  (this module's base datasets, extended by each installed add-on through
  ``_inherit``) and the engine receives them as an argument, so a server with
  several databases never shows one database the datasets of another's
  add-ons.
- ``compile_report`` turns a template specification into one ``SQL`` query
  over a base ``Query`` that the caller obtained from ``Model._search()`` (so
  the requesting user's record rules and the template's filters are already in
  its WHERE clause). Field paths are resolved through a callback given by the
  caller, so this module needs no database and no registry.

Nothing here executes SQL.
"""

import ast
from dataclasses import dataclass, field

from odoo.tools import SQL

PERIODS = ("day", "week", "month", "quarter", "year")
# What one result row (crm.report.line) holds: dimensions (with the customer
# columns of customer-level reports) and measures. A template asking for more
# is refused when saved.
MAX_DIMENSIONS = 10
MAX_MEASURES = 10
# Column kinds: dimensions are "char" (or "date" for the period); measures are
# "monetary" (HK$), "percent", "integer" (counts) or "number".
MEASURE_KINDS = ("monetary", "percent", "integer", "number")
# Aggregates that count rows or records: their measures are integers.
COUNT_AGGREGATES = (
    "count",
    "count_distinct",
    "count_set",
    "count_type",
    "net_orders",
    "count_where",
    "count_value",
)
DETAIL_LEVELS = ("aggregated", "customer")
SENSITIVITY_ORDER = ("public", "internal", "confidential", "restricted")


class ReportSpecError(ValueError):
    """A template asks for something its dataset does not offer."""


@dataclass(frozen=True)
class Dimension:
    path: str  # field path on the dataset model, e.g. "partner_id.district_id"
    label: str
    kind: str = "many2one"  # many2one | selection | char | date


@dataclass(frozen=True)
class Measure:
    label: str
    # aggregate over the dataset: (function, field) or a derived formula over
    # other measures: ("ratio", numerator, denominator, factor)
    agg: tuple
    currency: bool = False
    percent: bool = False
    # "integer", "number", "monetary" or "percent"; inferred when empty
    # (see ``measure_kind``)
    kind: str = ""


def measure_kind(measure, field_type=None):
    """The type of a measure's values: monetary (HK$), percent, integer
    (counts, sums of integer fields) or number. ``field_type(path)`` gives the
    Odoo type of a field path (optional)."""
    if measure.kind:
        return measure.kind
    if measure.percent:
        return "percent"
    if measure.currency:
        return "monetary"
    if measure.agg[0] in COUNT_AGGREGATES:
        return "integer"
    if measure.agg[0] == "sum" and field_type and field_type(measure.agg[1]) == "integer":
        return "integer"
    return "number"


def measure_aggregation(measure):
    """How a measure's values combine at a higher level of a pivot:
    ``ratio`` (recomputed from numerator and denominator: ratios and
    averages), ``distinct`` (distinct counts: not additive) or ``sum``."""
    kind = measure.agg[0]
    if kind in ("ratio", "avg"):
        return "ratio"
    if kind == "count_distinct":
        return "distinct"
    return "sum"


@dataclass(frozen=True)
class CustomerColumn:
    path: str  # on res.partner
    label: str


@dataclass
class Dataset:
    model: str
    label: str
    date_field: str
    customer_field: str | None
    dimensions: dict
    measures: dict
    base_domain: list = field(default_factory=list)
    # pre-calculated source (summary table refreshed incrementally)
    precalc: "Dataset | None" = None
    # pre-aggregated source with the same figures (lib/report_rollup.py):
    # a run reads it instead when it covers the query (ReportSpec.rollup)
    rollup: "Dataset | None" = None
    # a date field already in the report's time zone: the period groups by
    # it as it is (no conversion), while ``date_field`` (UTC) takes the
    # run's date filters
    period_field: str | None = None


_CUSTOMER_DIMS = {
    "branch": Dimension("retail_branch_id", "Branch"),
    "district": Dimension("partner_id.district_id", "District"),
    "tier": Dimension("partner_id.membership_tier_id", "Tier"),
    "channel": Dimension("partner_id.retail_channel", "Channel", "selection"),
    "residency": Dimension("partner_id.residency", "Residency", "selection"),
    "age_band": Dimension("partner_id.age_band", "Age Band", "selection"),
    "segment": Dimension("partner_id.rfm_segment", "Segment", "selection"),
}

_MONEY = {
    "revenue": Measure("Revenue", ("sum", "revenue"), currency=True),
    "cost": Measure("Cost", ("sum", "cost"), currency=True),
    "profit": Measure("Profit", ("sum", "margin"), currency=True),
    "margin_pct": Measure("Margin %", ("ratio", "profit", "revenue", 100), percent=True),
    "customers": Measure("Customers", ("count_distinct", "partner_id")),
}

# where each sale was made (crm.sales.event.sales_channel, sale.order
# .crm_sales_channel): revenue per channel, the same on the events and on
# their pre-calculated profit records
SALES_CHANNEL_CODES = ("store", "online", "wholesale", "phone")
_CHANNEL_REVENUE_LABELS = {
    "store": "Revenue In Store",
    "online": "Revenue Online",
    "wholesale": "Revenue Wholesale",
    "phone": "Revenue by Telephone",
}

SALES_PROFIT = Dataset(
    model="crm.customer.profit",
    label="Customer profit (pre-calculated)",
    date_field="month",
    customer_field="partner_id",
    dimensions={
        "branch": Dimension("retail_branch_id", "Branch"),
        "home_branch": Dimension("home_branch_id", "Home Branch"),
        "district": Dimension("district_id", "District"),
        "tier": Dimension("membership_tier_id", "Tier"),
        "channel": Dimension("retail_channel", "Channel", "selection"),
        "residency": Dimension("residency", "Residency", "selection"),
        "age_band": Dimension("partner_id.age_band", "Age Band", "selection"),
        "segment": Dimension("partner_id.rfm_segment", "Segment", "selection"),
        "main_channel": Dimension("sales_channel", "Main Sales Channel", "selection"),
    },
    measures={
        "revenue": Measure("Revenue", ("sum", "revenue"), currency=True),
        **{
            f"revenue_{code}": Measure(label, ("sum", f"revenue_{code}"), currency=True)
            for code, label in _CHANNEL_REVENUE_LABELS.items()
        },
        "cost": Measure("Cost", ("sum", "cost"), currency=True),
        "profit": Measure("Profit", ("sum", "profit"), currency=True),
        "margin_pct": Measure("Margin %", ("ratio", "profit", "revenue", 100), percent=True),
        "customers": Measure("Customers", ("count_distinct", "partner_id")),
        "orders": Measure("Orders", ("sum", "order_count")),
        "returns": Measure("Returns", ("sum", "return_count")),
        "avg_basket": Measure("Average Basket", ("ratio", "revenue", "orders", 1), currency=True),
    },
)

SALES_EVENTS = Dataset(
    model="crm.sales.event",
    label="Sales-cycle events",
    date_field="event_date",
    customer_field="partner_id",
    dimensions={
        **_CUSTOMER_DIMS,
        "tier": Dimension("membership_tier_id", "Tier"),
        "salesperson": Dimension("user_id", "Salesperson"),
        "sales_team": Dimension("team_id", "Sales Team"),
        "sales_channel": Dimension("sales_channel", "Sales Channel", "selection"),
        "step": Dimension("event_type", "Step", "selection"),
    },
    measures={
        "revenue": Measure("Revenue", ("sum_if_revenue", "revenue"), currency=True),
        **{
            f"revenue_{code}": Measure(
                label,
                ("sum_if_revenue_value", "revenue", "sales_channel", code),
                currency=True,
            )
            for code, label in _CHANNEL_REVENUE_LABELS.items()
        },
        "cost": Measure("Cost", ("sum_if_revenue", "cost"), currency=True),
        "profit": Measure("Profit", ("sum_if_revenue", "margin"), currency=True),
        "margin_pct": Measure("Margin %", ("ratio", "profit", "revenue", 100), percent=True),
        "customers": Measure("Customers", ("count_distinct", "partner_id")),
        "orders": Measure("Orders", ("net_orders", "event_type")),
        "avg_basket": Measure("Average Basket", ("ratio", "revenue", "orders", 1), currency=True),
        "events": Measure("Events", ("count", "id")),
        "leads": Measure("Leads", ("count_type", "lead_created")),
        "won": Measure("Won", ("count_type", "won")),
        "conversion_rate": Measure(
            "Conversion Rate %", ("ratio", "won", "leads", 100), percent=True
        ),
    },
    precalc=SALES_PROFIT,
)

# the customer's side of an order line and the figures of the lines: the
# same on the lines and on their pre-aggregated rows
_ORDER_CUSTOMER_DIMENSIONS = {
    "district": Dimension("order_partner_id.district_id", "District"),
    "tier": Dimension("order_partner_id.membership_tier_id", "Tier"),
    "channel": Dimension("order_partner_id.retail_channel", "Channel", "selection"),
    "age_band": Dimension("order_partner_id.age_band", "Age Band", "selection"),
    "segment": Dimension("order_partner_id.rfm_segment", "Segment", "selection"),
}
_ORDER_AMOUNT_MEASURES = {
    "revenue": Measure("Revenue", ("sum", "price_subtotal"), currency=True),
    "profit": Measure("Profit", ("sum", "margin"), currency=True),
    "cost": Measure("Cost", ("difference", "price_subtotal", "margin"), currency=True),
    "margin_pct": Measure("Margin %", ("ratio", "profit", "revenue", 100), percent=True),
    "quantity": Measure("Quantity", ("sum", "product_uom_qty")),
}
_ORDER_COUNT_MEASURES = {
    "orders": Measure("Orders", ("count_distinct", "order_id")),
    "customers": Measure("Customers", ("count_distinct", "order_partner_id")),
    "avg_basket": Measure("Average Basket", ("ratio", "revenue", "orders", 1), currency=True),
}

# Order lines pre-aggregated per order and product category
# (crm.sales.line.rollup, lib/report_rollup.py): the same codes, paths and
# figures as ORDER_LINES, without the product (and its average discount).
ORDER_LINES_ROLLUP = Dataset(
    model="crm.sales.line.rollup",
    label="Order lines (pre-aggregated)",
    date_field="order_date",
    period_field="local_date",
    customer_field="order_partner_id",
    dimensions={
        "branch": Dimension("retail_branch_id", "Branch"),
        "product_category": Dimension("categ_id", "Product Category"),
        "salesperson": Dimension("salesman_id", "Salesperson"),
        # the order's channel, kept on each pre-aggregated row
        "sales_channel": Dimension("sales_channel", "Sales Channel", "selection"),
        **_ORDER_CUSTOMER_DIMENSIONS,
    },
    measures={**_ORDER_AMOUNT_MEASURES, **_ORDER_COUNT_MEASURES},
)

ORDER_LINES = Dataset(
    model="sale.order.line",
    label="Order lines (confirmed orders)",
    date_field="order_id.date_order",
    customer_field="order_partner_id",
    base_domain=[("state", "=", "sale"), ("display_type", "=", False)],
    dimensions={
        "branch": Dimension("retail_branch_id", "Branch"),
        "product_category": Dimension("product_id.product_tmpl_id.categ_id", "Product Category"),
        "product": Dimension("product_id", "Product"),
        "salesperson": Dimension("salesman_id", "Salesperson"),
        "sales_channel": Dimension("order_id.crm_sales_channel", "Sales Channel", "selection"),
        **_ORDER_CUSTOMER_DIMENSIONS,
    },
    measures={
        **_ORDER_AMOUNT_MEASURES,
        "discount_avg": Measure("Average Discount %", ("avg", "discount"), percent=True),
        **_ORDER_COUNT_MEASURES,
    },
    rollup=ORDER_LINES_ROLLUP,
)

CUSTOMERS = Dataset(
    model="res.partner",
    label="Customer profiles",
    date_field="enrolment_date",
    customer_field="id",
    base_domain=[("is_retail_customer", "=", True)],
    dimensions={
        "branch": Dimension("retail_branch_id", "Home Branch"),
        "district": Dimension("district_id", "District"),
        "tier": Dimension("membership_tier_id", "Tier"),
        "channel": Dimension("retail_channel", "Channel", "selection"),
        "residency": Dimension("residency", "Residency", "selection"),
        "language": Dimension("preferred_language", "Language", "selection"),
        "age_band": Dimension("age_band", "Age Band", "selection"),
        "segment": Dimension("rfm_segment", "Segment", "selection"),
    },
    measures={
        "customers": Measure("Customers", ("count", "id")),
        "members": Measure("Members", ("count_set", "membership_number")),
        "quality_score": Measure("Data Quality Score", ("avg", "dq_score")),
    },
)

LEADS = Dataset(
    model="crm.lead",
    label="Leads and opportunities",
    date_field="create_date",
    customer_field="partner_id",
    base_domain=[("active", "in", (True, False))],
    dimensions={
        "branch": Dimension("retail_branch_id", "Branch"),
        "salesperson": Dimension("user_id", "Salesperson"),
        "sales_team": Dimension("team_id", "Sales Team"),
        "stage": Dimension("stage_id", "Stage"),
        "lost_reason": Dimension("lost_reason_id", "Lost Reason"),
        "district": Dimension("partner_id.district_id", "District"),
        "tier": Dimension("partner_id.membership_tier_id", "Tier"),
    },
    measures={
        "leads": Measure("Leads", ("count", "id")),
        "expected_revenue": Measure("Expected Revenue", ("sum", "expected_revenue"), currency=True),
        "won": Measure("Won", ("count_where", "won_flag")),
        "conversion_rate": Measure(
            "Conversion Rate %", ("ratio", "won", "leads", 100), percent=True
        ),
    },
)

DATA_QUALITY = Dataset(
    model="crm.dq.issue",
    label="Data-quality issues",
    date_field="first_seen",
    customer_field="partner_id",
    dimensions={
        "branch": Dimension("retail_branch_id", "Branch"),
        "rule": Dimension("rule_id", "Rule"),
        "severity": Dimension("severity", "Severity", "selection"),
        "state": Dimension("state", "Status", "selection"),
    },
    measures={
        "issues": Measure("Issues", ("count", "id")),
        "customers": Measure("Customers", ("count_distinct", "partner_id")),
    },
)

CONSENTS = Dataset(
    model="crm.privacy.consent",
    label="Marketing consents",
    date_field="consent_date",
    customer_field="partner_id",
    dimensions={
        "purpose": Dimension("purpose_id", "Purpose"),
        "consent_channel": Dimension("channel", "Channel", "selection"),
        "kind": Dimension("kind", "Consent or Opt-out", "selection"),
        "source": Dimension("source", "Source", "selection"),
        "branch": Dimension("partner_id.retail_branch_id", "Home Branch"),
    },
    measures={
        "records": Measure("Records", ("count", "id")),
        "customers": Measure("Customers", ("count_distinct", "partner_id")),
    },
)

ONLINE_ACTIVITY = Dataset(
    model="crm.online.activity",
    label="Online activity",
    date_field="activity_date",
    customer_field="partner_id",
    dimensions={
        "channel": Dimension("source", "Channel", "char"),
        "branch": Dimension("retail_branch_id", "Home Branch"),
        "kind": Dimension("kind", "Activity", "selection"),
        "product_category": Dimension("categ_id", "Product Category"),
        "product": Dimension("product_id", "Product"),
        "district": Dimension("partner_id.district_id", "District"),
        "tier": Dimension("partner_id.membership_tier_id", "Tier"),
        "segment": Dimension("partner_id.rfm_segment", "Segment", "selection"),
    },
    measures={
        "sessions": Measure("Sessions", ("count_value", "kind", "visit")),
        "product_views": Measure("Product Views", ("count_value", "kind", "product_view")),
        "carts": Measure("Cart Additions", ("count_value", "kind", "cart")),
        "orders": Measure("Online Orders", ("count_value", "kind", "order")),
        "activities": Measure("Activities", ("count", "id")),
        "customers": Measure("Customers", ("count_distinct", "partner_id")),
        "conversion_pct": Measure(
            "Conversion Rate %", ("ratio", "orders", "sessions", 100), percent=True
        ),
    },
)

CAMPAIGNS = Dataset(
    model="mailing.trace",
    label="Marketing campaigns",
    date_field="create_date",
    customer_field="crm_partner_id",
    base_domain=[("mass_mailing_id", "!=", False)],
    dimensions={
        "mailing": Dimension("mass_mailing_id", "Mailing"),
        "campaign": Dimension("campaign_id", "Campaign"),
        "medium": Dimension("trace_type", "E-mail or SMS", "selection"),
        "branch": Dimension("crm_partner_id.retail_branch_id", "Home Branch"),
        "status": Dimension("trace_status", "Status", "selection"),
        "segment": Dimension("crm_partner_id.rfm_segment", "Segment", "selection"),
        "tier": Dimension("crm_partner_id.membership_tier_id", "Tier"),
        "district": Dimension("crm_partner_id.district_id", "District"),
    },
    measures={
        "recipients": Measure("Recipients", ("count", "id")),
        "sent": Measure("Sent", ("count_where", "crm_is_sent")),
        "opened": Measure("Opened", ("count_set", "open_datetime")),
        "clicked": Measure("Clicked", ("count_set", "links_click_datetime")),
        "bounced": Measure("Bounced", ("count_where", "crm_is_bounced")),
        "opted_out": Measure("Opted Out", ("count_set", "crm_opt_out_datetime")),
        "open_rate": Measure("Open Rate %", ("ratio", "opened", "sent", 100), percent=True),
        "click_rate": Measure("Click Rate %", ("ratio", "clicked", "sent", 100), percent=True),
    },
)

# the datasets of crm_retail_compile; other add-ons add theirs through
# crm.report.template._get_datasets() (never by changing this mapping)
BASE_DATASETS = {
    "sales_events": SALES_EVENTS,
    "order_lines": ORDER_LINES,
    "customer_profit": SALES_PROFIT,
    "customers": CUSTOMERS,
    "leads": LEADS,
    "data_quality": DATA_QUALITY,
    "consents": CONSENTS,
    "online_activity": ONLINE_ACTIVITY,
    "campaigns": CAMPAIGNS,
}

# Customer-level columns: res.partner field paths. Each column is shown only
# when the privacy classification of its field is within the clearance.
CUSTOMER_COLUMNS = {
    "name": CustomerColumn("name", "Customer"),
    "membership_number": CustomerColumn("membership_number", "Membership No."),
    "phone": CustomerColumn("phone", "Phone"),
    "email": CustomerColumn("email", "Email"),
    "district": CustomerColumn("district_id", "District"),
    "tier": CustomerColumn("membership_tier_id", "Tier"),
    "home_branch": CustomerColumn("retail_branch_id", "Home Branch"),
}


def parse_domain(text):
    """A template's filter domain: a literal list, never code."""
    value = ast.literal_eval(text or "[]")
    if not isinstance(value, list):
        raise TypeError("not a list")
    return value


def rename_codes(codes, renames):
    """Apply ``{old: new}`` to a comma-separated list of codes (templates
    store dimension and measure codes; a migration renames them)."""
    return ",".join(
        renames.get(c.strip(), c.strip()) for c in (codes or "").split(",") if c.strip()
    )


def sensitivity_allows(level, ceiling):
    """True when data of sensitivity ``level`` may appear under ``ceiling``."""
    return SENSITIVITY_ORDER.index(level or "internal") <= SENSITIVITY_ORDER.index(ceiling)


@dataclass
class ReportSpec:
    dataset: str
    dimensions: list  # dimension codes, "period" allowed
    measures: list
    period: str = "month"
    detail: str = "aggregated"
    customer_columns: list = field(default_factory=list)
    pseudonymise: bool = True
    precalculated: bool = False
    # read the dataset's pre-aggregated source (Dataset.rollup), chosen by
    # the run when it gives the same figures
    rollup: bool = False

    def width(self):
        """(dimensions, measures) of a result row: the period aside, the
        customer columns of a customer-level report count as dimensions."""
        width = len([d for d in self.dimensions if d != "period"])
        if self.detail == "customer":
            width += len([c for c in self.customer_columns if c != "name"])
        return width, len(self.measures)

    def check_width(self):
        dimensions, measures = self.width()
        if dimensions > MAX_DIMENSIONS:
            raise ReportSpecError(
                f"{dimensions} dimensions and customer columns requested: a report result "
                f"holds at most {MAX_DIMENSIONS}"
            )
        if measures > MAX_MEASURES:
            raise ReportSpecError(
                f"{measures} measures requested: a report result holds at most {MAX_MEASURES}"
            )

    def _source(self, dataset):
        """The dataset the spec reads: ``dataset`` or its pre-calculated or
        pre-aggregated source."""
        if self.precalculated:
            if not dataset.precalc:
                raise ReportSpecError(f"Dataset {self.dataset!r} has no pre-calculated source")
            if self.period in ("day", "week"):
                raise ReportSpecError("Pre-calculated figures are monthly: choose month or longer")
            return dataset.precalc
        if self.rollup:
            if not dataset.rollup:
                raise ReportSpecError(f"Dataset {self.dataset!r} has no pre-aggregated source")
            return dataset.rollup
        return dataset

    def validate(self, datasets):
        """Raise ReportSpecError with a clear message when the spec is wrong.

        :param datasets: {code: Dataset} known to the database (see
            ``crm.report.template._get_datasets``)
        :return: the Dataset the spec reads
        """
        dataset = datasets.get(self.dataset)
        if dataset is None:
            raise ReportSpecError(f"Unknown dataset {self.dataset!r}")
        dataset = self._source(dataset)
        if self.period not in PERIODS:
            raise ReportSpecError(f"Unknown period {self.period!r}")
        if self.detail not in DETAIL_LEVELS:
            raise ReportSpecError(f"Unknown level of detail {self.detail!r}")
        for dim in self.dimensions:
            if dim != "period" and dim not in dataset.dimensions:
                raise ReportSpecError(f"Dataset {self.dataset!r} has no dimension {dim!r}")
        if not self.measures:
            raise ReportSpecError("A report needs at least one measure")
        for measure in self.measures:
            if measure not in dataset.measures:
                raise ReportSpecError(f"Dataset {self.dataset!r} has no measure {measure!r}")
        self.check_width()
        if self.detail == "customer" and not dataset.customer_field:
            raise ReportSpecError(f"Dataset {self.dataset!r} has no customer level")
        for column in self.customer_columns:
            if column not in CUSTOMER_COLUMNS:
                raise ReportSpecError(f"Unknown customer column {column!r}")
        return dataset


@dataclass
class CompiledReport:
    query: SQL
    columns: list  # [(code, label, kind)] in the order of the SELECT
    dataset: Dataset
    # how each column combines across rows: None (dimensions), "sum",
    # "ratio" or "distinct" (see ``measure_aggregation``)
    aggregations: list = field(default_factory=list)
    # {column index: (numerator index, denominator index)} of the ratio
    # columns: their parts follow the visible columns in the SELECT (the
    # numerator already multiplied by the ratio's factor), so a ratio can
    # be recomputed at any level of a pivot: SUM(num) / SUM(den)
    parts: dict = field(default_factory=dict)
    # indexes of the template's dimensions among the columns (not the
    # period, not the customer columns)
    dimension_indexes: list = field(default_factory=list)
    # compiled ``with_total``: index in each row of the GROUPING() marker
    # (the last column of the SELECT), 1 on the grand-total row only, 0 on
    # the rows of the groups; None when the query has no total row
    total_index: int | None = None


def _aggregate(agg, field_sql, alias_sql, measure_sql):
    """SQL of one measure. ``field_sql(path)`` gives the SQL of a field path,
    ``measure_sql(code)`` the SQL of another (already compiled) measure."""
    kind = agg[0]
    if kind == "sum":
        return SQL("COALESCE(SUM(%s), 0)", field_sql(agg[1]))
    if kind == "avg":
        return SQL("AVG(%s)", field_sql(agg[1]))
    if kind == "count":
        return SQL("COUNT(%s)", field_sql(agg[1]))
    if kind == "count_distinct":
        return SQL("COUNT(DISTINCT %s)", field_sql(agg[1]))
    if kind == "count_set":
        return SQL("COUNT(%s)", field_sql(agg[1]))
    if kind == "difference":
        return SQL(
            "COALESCE(SUM(%s), 0) - COALESCE(SUM(%s), 0)", field_sql(agg[1]), field_sql(agg[2])
        )
    if kind == "sum_if_revenue":
        return SQL(
            "COALESCE(SUM(%s) FILTER (WHERE %s), 0)", field_sql(agg[1]), field_sql("is_revenue")
        )
    if kind == "sum_if_revenue_value":
        # ("sum_if_revenue_value", field, filter field, value): the profit
        # steps' field where the filter field has the value
        return SQL(
            "COALESCE(SUM(%s) FILTER (WHERE %s AND %s = %s), 0)",
            field_sql(agg[1]),
            field_sql("is_revenue"),
            field_sql(agg[2]),
            agg[3],
        )
    if kind == "count_type":
        return SQL("COUNT(*) FILTER (WHERE %s = %s)", field_sql("event_type"), agg[1])
    if kind == "net_orders":
        return SQL(
            "COUNT(*) FILTER (WHERE %(t)s = 'order_confirmed') "
            "- COUNT(*) FILTER (WHERE %(t)s = 'order_cancelled')",
            t=field_sql("event_type"),
        )
    if kind == "count_where":
        return SQL("COUNT(*) FILTER (WHERE %s)", alias_sql(agg[1]))
    if kind == "count_value":
        # ("count_value", field, value): the records whose field has the value
        return SQL("COUNT(*) FILTER (WHERE %s = %s)", field_sql(agg[1]), agg[2])
    if kind == "ratio":
        _kind, num, den, factor = agg
        return SQL(
            "ROUND((%s)::numeric * %s / NULLIF((%s)::numeric, 0), 2)",
            measure_sql(num),
            factor,
            measure_sql(den),
        )
    raise ReportSpecError(f"Unknown aggregate {kind!r}")


def _ratio_parts(agg, field_sql, measure_sql):
    """(numerator * factor, denominator) SQL of a ratio or an average."""
    if agg[0] == "avg":
        value = field_sql(agg[1])
        return SQL("COALESCE(SUM(%s), 0)::float", value), SQL("COUNT(%s)::float", value)
    _kind, num, den, factor = agg
    return (
        SQL("((%s)::numeric * %s)::float", measure_sql(num), factor),
        SQL("(%s)::float", measure_sql(den)),
    )


def compile_report(
    spec,
    datasets,
    query,
    field_sql,
    label_sql,
    special_sql=None,
    tz="Asia/Hong_Kong",
    pseudonym_secret=None,
    allowed_customer_columns=None,
    unknown_label=None,
    field_type=None,
    with_total=False,
):
    """Compile ``spec`` over ``query`` (a Query from ``Model._search``).

    :param datasets: {code: Dataset} known to the database, given by the
        caller (``crm.report.template._get_datasets()``)
    :param field_sql: callable(path) -> SQL of the field path, adding joins to
        ``query`` as needed (resolved by the ORM adapter)
    :param label_sql: callable(path) -> (SQL of the readable label, [SQL to
        group by, the first of which is the sort key]): many2one paths group
        by id and show the record's name, selections show their label
    :param special_sql: callable(name) -> SQL for dataset-specific flags
        (e.g. "won_flag" on leads)
    :param pseudonym_secret: when set, customer rows carry a stable pseudonym
        instead of the customer's identity
    :param allowed_customer_columns: the customer columns the clearance allows
    :param unknown_label: the label of a dimension without value (None: empty)
    :param field_type: callable(path) -> Odoo type of a field (integer sums
        are counts)
    :param with_total: the same query also returns the grand-total row
        (``GROUP BY GROUPING SETS ((groups...), ())``, in the same scan),
        told apart by a ``GROUPING()`` marker column at
        ``CompiledReport.total_index`` (rows come in no guaranteed place:
        the caller sets the total row aside by its marker). The true
        distinct counts of the whole result cost one pass, not a second
        query. Without groupings the result is one row, its own total: no
        marker.
    :return: CompiledReport with one SQL query
    """
    dataset = spec.validate(datasets)
    # ``order`` holds each grouping's key alone: a many2one groups by id and
    # name but sorts by id (the name adds nothing to the order, and sorting
    # a million names with the collation costs seconds)
    select, group, order, columns = [], [], [], []
    dimension_indexes = []

    for dim in spec.dimensions:
        if dim == "period" and dataset.period_field:
            # already a day of the report's time zone
            expr = SQL(
                "date_trunc(%s, %s::timestamp)::date",
                spec.period,
                field_sql(dataset.period_field),
            )
            columns.append(("period", spec.period, "date"))
            select.append(expr)
            group.append(expr)
            order.append(expr)
        elif dim == "period":
            date_sql = field_sql(dataset.date_field)
            expr = SQL(
                "date_trunc(%s, timezone(%s, timezone('UTC', %s::timestamp)))::date",
                spec.period,
                tz,
                date_sql,
            )
            columns.append(("period", spec.period, "date"))
            select.append(expr)
            group.append(expr)
            order.append(expr)
        else:
            definition = dataset.dimensions[dim]
            label, group_by = label_sql(definition.path)
            dimension_indexes.append(len(columns))
            columns.append((dim, definition.label, "char"))
            if unknown_label is not None:
                label = SQL("COALESCE(%s, %s)", label, unknown_label)
            select.append(label)
            group.extend(group_by)
            order.append(group_by[0])

    if spec.detail == "customer":
        customer = field_sql(dataset.customer_field)
        group.append(customer)
        # customer rows come in customer order: a unique first key ends each
        # comparison of the sort at once (a million rows sort in a fraction
        # of a second instead of seconds)
        order.insert(0, customer)
        if pseudonym_secret is not None:
            select.append(
                SQL("'C-' || substr(md5(%s || %s::text), 1, 10)", pseudonym_secret, customer)
            )
            columns.append(("customer", "Customer (pseudonymised)", "char"))
        else:
            prefix = "" if dataset.customer_field == "id" else f"{dataset.customer_field}."
            label, group_by = label_sql(f"{prefix}name")
            select.append(label)
            group.extend(group_by)
            columns.append(("customer", "Customer", "char"))
            allowed = set(allowed_customer_columns or ())
            for code in spec.customer_columns:
                if code not in allowed or code == "name":
                    continue
                column = CUSTOMER_COLUMNS[code]
                label, group_by = label_sql(prefix + column.path)
                select.append(label)
                group.extend(group_by)
                columns.append((code, column.label, "char"))

    compiled_measures = {}

    def measure_sql(code):
        if code not in compiled_measures:
            definition = dataset.measures[code]
            compiled_measures[code] = _aggregate(
                definition.agg, field_sql, special_sql or field_sql, measure_sql
            )
        return compiled_measures[code]

    aggregations = [None] * len(columns)
    ratios = []
    for code in spec.measures:
        select.append(measure_sql(code))
        definition = dataset.measures[code]
        columns.append((code, definition.label, measure_kind(definition, field_type)))
        aggregation = measure_aggregation(definition)
        aggregations.append(aggregation)
        if aggregation == "ratio":
            ratios.append((len(columns) - 1, definition))
    parts = {}
    for index, definition in ratios:
        numerator, denominator = _ratio_parts(definition.agg, field_sql, measure_sql)
        parts[index] = (len(select), len(select) + 1)
        select += [numerator, denominator]

    total_index = None
    if with_total and group:
        # GROUPING(key) is 1 where the key is not grouped: the empty set
        total_index = len(select)
        select.append(SQL("GROUPING(%s)", group[0]))
        query.groupby = SQL("GROUPING SETS ((%s), ())", SQL(", ").join(group))
    else:
        query.groupby = SQL(", ").join(group) if group else None
    query.order = SQL(", ").join(order) if order else None
    return CompiledReport(
        query=query.select(*select),
        columns=columns,
        dataset=dataset,
        aggregations=aggregations,
        parts=parts,
        dimension_indexes=dimension_indexes,
        total_index=total_index,
    )
