import json
import logging

from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError

from ..lib import report_engine
from .queue_job_retry import REPORT_CHANNEL, retry_transient

_logger = logging.getLogger(__name__)

DATE_RANGES = [
    ("last_30_days", "Last 30 Days"),
    ("this_month", "This Month"),
    ("last_month", "Last Month"),
    ("this_quarter", "This Quarter"),
    ("last_12_months", "Last 12 Months"),
    ("this_year", "This Year"),
    ("last_year", "Last Year"),
    ("all", "All Time"),
]
SENSITIVITY = [
    ("public", "Public"),
    ("internal", "Internal"),
    ("confidential", "Confidential"),
    ("restricted", "Restricted"),
]


def _split(codes):
    return [c.strip() for c in (codes or "").split(",") if c.strip()]


def date_range_bounds(code, today):
    """(date_from, date_to) of a named range; None bounds mean open."""
    month_start = today.replace(day=1)
    if code == "last_30_days":
        return today - relativedelta(days=29), today
    if code == "this_month":
        return month_start, today
    if code == "last_month":
        start = month_start - relativedelta(months=1)
        return start, month_start - relativedelta(days=1)
    if code == "this_quarter":
        start = today.replace(month=3 * ((today.month - 1) // 3) + 1, day=1)
        return start, today
    if code == "last_12_months":
        return month_start - relativedelta(months=11), today
    if code == "this_year":
        return today.replace(month=1, day=1), today
    if code == "last_year":
        return today.replace(year=today.year - 1, month=1, day=1), today.replace(
            year=today.year - 1, month=12, day=31
        )
    return None, None


class CrmReportTemplate(models.Model):
    """What one department needs compiled: dataset, dimensions, measures,
    filters, level of detail, sensitivity, timeliness, formats, schedule."""

    _name = "crm.report.template"
    _inherit = ["mail.thread", "crm.department.mixin"]
    _description = "Department Report Template"
    _order = "retail_department_id, sequence, name"

    name = fields.Char(required=True, translate=True, tracking=True)
    # indexed by its unique constraint
    code = fields.Char(help="Stable identifier used by integrations.")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    retail_department_id = fields.Many2one(required=True, tracking=True)
    purpose = fields.Text(translate=True, help="What the department uses the report for.")
    dataset = fields.Selection(
        [
            ("sales_events", "Sales-cycle events"),
            ("order_lines", "Order lines"),
            ("customer_profit", "Customer profit"),
            ("customers", "Customer profiles"),
            ("leads", "Leads and opportunities"),
            ("data_quality", "Data-quality issues"),
            ("consents", "Marketing consents"),
            ("online_activity", "Online activity"),
            ("campaigns", "Marketing campaigns"),
        ],
        required=True,
        default="sales_events",
    )
    dimensions = fields.Char(
        help="Comma-separated dimension codes; 'period' groups by the period below.",
        default="period,branch",
    )
    measures = fields.Char(required=True, default="revenue,profit", help="Comma-separated codes.")
    available_fields = fields.Text(compute="_compute_available_fields")
    period = fields.Selection(
        [(p, p.title()) for p in report_engine.PERIODS], default="month", required=True
    )
    date_range = fields.Selection(DATE_RANGES, default="last_12_months", required=True)
    filter_domain = fields.Char(
        string="Filters", default="[]", help="Odoo domain on the dataset's records."
    )
    detail = fields.Selection(
        [("aggregated", "Aggregated only"), ("customer", "Customer-level rows")],
        string="Level of Detail",
        default="aggregated",
        required=True,
    )
    customer_columns = fields.Char(
        default="name,membership_number,tier,district",
        help="Customer columns of customer-level reports: name, membership_number, phone, "
        "email, district, tier, home_branch. Columns above the clearance are left out.",
    )
    sensitivity_ceiling = fields.Selection(
        SENSITIVITY,
        default="internal",
        required=True,
        help="Most sensitive personal data this report may contain (never above the "
        "department's clearance).",
    )
    timeliness = fields.Selection(
        [("realtime", "Real-time"), ("precalculated", "Pre-calculated")],
        default="realtime",
        required=True,
    )
    refresh_interval = fields.Selection(
        [("hourly", "Hourly"), ("daily", "Daily")], default="daily", required=True
    )
    output_xlsx = fields.Boolean(string="XLSX", default=True)
    output_pdf = fields.Boolean(string="PDF", default=True)
    output_csv = fields.Boolean(string="CSV")
    schedule = fields.Selection(
        [
            ("none", "Not Scheduled"),
            ("daily", "Daily"),
            ("weekly", "Weekly"),
            ("monthly", "Monthly"),
        ],
        default="none",
        required=True,
        tracking=True,
    )
    next_send_date = fields.Date()
    recipient_ids = fields.Many2many("res.users", string="Recipients")
    owner_id = fields.Many2one(
        "res.users",
        default=lambda self: self.env.user,
        required=True,
        help="Scheduled and pre-calculated runs are compiled with this user's access.",
    )
    run_ids = fields.One2many("crm.report.run", "template_id")
    snapshot_run_id = fields.Many2one(
        "crm.report.run", string="Latest Snapshot", readonly=True, crm_system=True
    )
    headline = fields.Text(compute="_compute_headline")
    chart_type = fields.Selection(
        [("bar", "Bar"), ("line", "Line"), ("pie", "Pie")],
        string="Default Chart",
        default="bar",
        required=True,
        help="The graph a run of this report opens with.",
    )
    chart_measure = fields.Char(
        help="Code of the measure the default chart shows (empty: the first measure).",
    )
    dataset_model = fields.Char(
        compute="_compute_dataset_model", help="The model the filters apply to."
    )

    _sql_constraints = [
        ("code_uniq", "unique(code)", "The report template code must be unique."),
    ]

    @api.model
    def _get_datasets(self):
        """The report datasets of this database: {code: report_engine.Dataset}.

        Bound to the registry, not to the Python process: each add-on adds
        its datasets by extending this method (``_inherit``) together with
        the ``dataset`` selection, so a database without that add-on never
        sees them, even on a server that also serves databases with it.
        """
        return dict(report_engine.BASE_DATASETS)

    def _get_dataset(self):
        """The dataset of this template (None when the database lacks it)."""
        self.ensure_one()
        return self._get_datasets().get(self.dataset)

    @api.depends("dataset")
    def _compute_available_fields(self):
        datasets = self._get_datasets()
        Summary = self.env["report.crm_retail_compile.report_crm_report_run"]

        def described(items):
            return ", ".join(
                f"{code} ({Summary._label(item.label)})" for code, item in items.items()
            )

        for template in self:
            dataset = datasets.get(template.dataset)
            if not dataset:
                template.available_fields = False
                continue

            template.available_fields = _(
                "Dimensions: period (%(period)s), %(dims)s\nMeasures: %(measures)s",
                period=_("the period below"),
                dims=described(dataset.dimensions),
                measures=described(dataset.measures),
            )

    @api.depends("dataset")
    def _compute_dataset_model(self):
        datasets = self._get_datasets()
        for template in self:
            dataset = datasets.get(template.dataset)
            template.dataset_model = dataset.model if dataset else False

    @api.depends("snapshot_run_id.totals_json")
    @api.depends_context("lang")
    def _compute_headline(self):
        """The latest snapshot's totals as labelled values ("Revenue:
        HK$1,234.00 · Orders: 12"), in the reader's language."""
        Summary = self.env["report.crm_retail_compile.report_crm_report_run"]
        for template in self:
            run = template.snapshot_run_id
            currency = run._currency()
            totals = json.loads(run.totals_json or "{}") if run else {}
            parts = []
            for spec in run._column_specs() if totals else []:
                if spec["code"] in totals and spec["kind"] in report_engine.MEASURE_KINDS:
                    value = Summary._format(
                        spec["kind"], totals[spec["code"]], currency, spec["kind"] == "integer"
                    )
                    parts.append(f"{spec['label']}: {value}")
            template.headline = " · ".join(parts) or False

    @api.constrains(
        "dataset",
        "dimensions",
        "measures",
        "period",
        "detail",
        "timeliness",
        "customer_columns",
        "filter_domain",
        "chart_measure",
    )
    def _check_spec(self):
        datasets = self._get_datasets()
        for template in self:
            template._check_width()
            try:
                template._get_spec().validate(datasets)
            except report_engine.ReportSpecError as error:
                raise ValidationError(
                    _("Report %(name)s: %(error)s", name=template.name, error=error)
                ) from error
            try:
                report_engine.parse_domain(template.filter_domain)
            except (ValueError, SyntaxError, TypeError) as error:
                raise ValidationError(
                    _("The filters of %(name)s are not a valid domain.", name=template.name)
                ) from error

    def _check_width(self):
        """A template may not ask for more than a result line holds."""
        spec = self._get_spec()
        dimensions, measures = spec.width()
        if dimensions > report_engine.MAX_DIMENSIONS:
            raise ValidationError(
                _(
                    "Report %(name)s asks for %(count)s dimensions (customer columns "
                    "included): a report holds at most %(limit)s. Remove some, or split "
                    "the report in two.",
                    name=self.name,
                    count=dimensions,
                    limit=report_engine.MAX_DIMENSIONS,
                )
            )
        if measures > report_engine.MAX_MEASURES:
            raise ValidationError(
                _(
                    "Report %(name)s asks for %(count)s measures: a report holds at most "
                    "%(limit)s. Remove some, or split the report in two.",
                    name=self.name,
                    count=measures,
                    limit=report_engine.MAX_MEASURES,
                )
            )
        if self.chart_measure and self.chart_measure not in spec.measures:
            raise ValidationError(
                _(
                    "Report %(name)s: the chart measure %(measure)s is not one of its measures.",
                    name=self.name,
                    measure=self.chart_measure,
                )
            )

    @api.constrains("sensitivity_ceiling", "retail_department_id")
    def _check_ceiling(self):
        order = report_engine.SENSITIVITY_ORDER
        for template in self:
            clearance = template.retail_department_id.clearance or "internal"
            if order.index(template.sensitivity_ceiling) > order.index(clearance):
                raise ValidationError(
                    _(
                        "%(name)s: the sensitivity ceiling cannot be above the clearance of "
                        "the %(department)s department.",
                        name=template.name,
                        department=template.retail_department_id.name,
                    )
                )

    def _get_spec(self):
        self.ensure_one()
        return report_engine.ReportSpec(
            dataset=self.dataset,
            dimensions=_split(self.dimensions),
            measures=_split(self.measures),
            period=self.period,
            detail=self.detail,
            customer_columns=_split(self.customer_columns),
            precalculated=self.timeliness == "precalculated",
        )

    @api.model
    def _migrate_codes(self, dimensions=None, measures=None, datasets=None):
        """For migration scripts: rename dimension, measure or dataset codes in
        every stored template (archived ones too), e.g. in
        ``migrations/18.0.1.1.0/post-migration.py``::

            env["crm.report.template"]._migrate_codes(dimensions={"branch": "shop"})
        """
        templates = self.with_context(active_test=False).search([])
        for template in templates:
            vals = {}
            if dimensions:
                vals["dimensions"] = report_engine.rename_codes(template.dimensions, dimensions)
            if measures:
                vals["measures"] = report_engine.rename_codes(template.measures, measures)
            if datasets and template.dataset in datasets:
                vals["dataset"] = datasets[template.dataset]
            vals = {k: v for k, v in vals.items() if v != template[k]}
            if vals:
                template.write(vals)
        return templates

    def _get_date_bounds(self):
        self.ensure_one()
        return date_range_bounds(self.date_range, fields.Date.context_today(self))

    def action_open_query(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "crm.report.query",
            "view_mode": "form",
            "target": "new",
            "context": {"default_template_id": self.id},
        }

    def action_open_snapshot(self):
        self.ensure_one()
        if not self.snapshot_run_id:
            return self.action_open_query()
        return self.snapshot_run_id.action_view_lines()

    # ------------------------------------------------------------------
    # Scheduled jobs
    # ------------------------------------------------------------------
    @api.model
    def _cron_refresh_snapshots(self):
        """Scheduled job (hourly): only queues the refresh (a queue job on
        the report channel, OCA queue_job: it compiles reports, which have
        their own capacity apart from the nightly jobs); one already
        waiting is not queued twice."""
        return self._enqueue_refresh_snapshots()

    @api.model
    def _enqueue_refresh_snapshots(self):
        return self.with_delay(
            channel=REPORT_CHANNEL,
            identity_key="crm.report.template.snapshots",
            description=_("Pre-calculated reports refresh"),
        )._job_refresh_snapshots()

    @api.model
    def _job_refresh_snapshots(self):
        """The queue job of the refresh. Safe to run twice: a template whose
        snapshot was just compiled is not due any more; a transient database
        error retries the job later (its runs are rolled back with it)."""
        with retry_transient():
            count = self.sudo()._refresh_due_snapshots()
        return _("%(count)s pre-calculated reports refreshed.", count=count)

    @api.model
    def _refresh_due_snapshots(self):
        """Compile the pre-calculated templates whose snapshot is due;
        returns the number of snapshots compiled."""
        count = 0
        now = fields.Datetime.now()
        templates = self.search([("timeliness", "=", "precalculated")])
        due = templates.filtered(
            lambda t: (
                not t.snapshot_run_id
                or (now - t.snapshot_run_id.create_date).total_seconds()
                >= (3600 if t.refresh_interval == "hourly" else 86400) - 300
            )
        )
        for template in due:
            try:
                run = self.env["crm.report.run"]._create_for_template(
                    template, user=template.owner_id, is_snapshot=True
                )
            except AccessError:
                _logger.warning(
                    "Snapshot of %s not compiled: its owner may not read it.", template.code
                )
                continue
            run._execute(raise_transient=True)
            if run.state == "done":
                template._crm_system_write().write({"snapshot_run_id": run.id})
                count += 1
        return count

    @api.model
    def _cron_send_scheduled(self):
        """Scheduled job (daily): only queues the sending (a queue job on the
        report channel, OCA queue_job: it compiles reports); one already
        waiting is not queued twice."""
        return self._enqueue_send_scheduled()

    @api.model
    def _enqueue_send_scheduled(self):
        return self.with_delay(
            channel=REPORT_CHANNEL,
            identity_key="crm.report.template.send_scheduled",
            description=_("Scheduled reports sending"),
        )._job_send_scheduled()

    @api.model
    def _job_send_scheduled(self):
        """The queue job: send the templates due today (see
        crm_report_template_delivery.py). Safe to run twice: a sent
        template's next date has moved past today; a transient database
        error retries the job later."""
        with retry_transient():
            sent, failed = self.sudo()._crm_send_due_scheduled()
        return _(
            "%(sent)s scheduled reports sent, %(failed)s failed (retried at the next run).",
            sent=sent,
            failed=failed,
        )

    def _authorised_recipients(self):
        """Recipients (chosen ones and, when asked, the department's members)
        who may receive this report: they may read it and their clearance
        reaches its sensitivity ceiling."""
        self.ensure_one()
        return self._split_recipients(self._delivery_audience())[0]

    def _send_scheduled(self):
        """Compile and deliver this template now; returns the runs made."""
        self.ensure_one()
        return self._crm_send_scheduled()
