"""The query tool: a fast, simple ad-hoc query over the report datasets.

The user picks a dataset, its dimensions and measures (records of
``crm.report.field``, labelled in the reader's language, only those of the
dataset), a period grouping, dates, branches and filters, or starts from a
template. *Run* compiles it with the report engine, with the user's own
record rules, clearance and the sensitivity ceiling, and opens the typed
result (pivot, graph, list). *Save as Template* keeps it as a template of
the user's department.

There is one engine: a query that is not a stored template is compiled
through a hidden (archived) template of the user's department, one per
distinct query and user (code ``adhoc_<uid>_<digest>``), reused by the same
query again, so that its runs are ordinary runs (download checks, export
log, department rules). Opened from a template with nothing changed, the
template itself is run (branch staff and managers run their branch
operations this way; only analysts and administrators build ad-hoc
queries).

Server entry point (XML-RPC, benchmarks): ``crm.report.query.run_adhoc``.

This file is the form (fields, onchanges, buttons); crm_report_query_run.py
checks a query and turns it into a run (hidden templates, ``run_adhoc``);
what a query is (codes, dates, filters, width, defaults, the hidden
template's code) is plain Python in ``lib/report_query.py``, tested without a
database.
"""

from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..lib import report_engine
from ..lib import report_query as rq
from ..models.crm_report_template import DATE_RANGES, date_range_bounds

ANALYST = "crm_retail_compile.group_department_analyst"
ADMIN = "crm_retail_compile.group_retail_admin"


class CrmReportQuery(models.TransientModel):
    _name = "crm.report.query"
    _description = "Report Query Tool"

    name = fields.Char(
        string="Template Name", help="The name of the template Save as Template creates."
    )
    template_id = fields.Many2one(
        "crm.report.template",
        string="Start From",
        help="A report template to start from: its dataset, dimensions, measures, "
        "filters and dates fill the query.",
    )
    purpose = fields.Text(related="template_id.purpose")
    timeliness = fields.Selection(related="template_id.timeliness")
    dataset = fields.Selection(selection="_selection_dataset", default="sales_events")
    dataset_model = fields.Char(compute="_compute_dataset_model")
    dimension_ids = fields.Many2many(
        "crm.report.field",
        "crm_report_query_dimension_rel",
        "query_id",
        "field_id",
        string="Dimensions",
        domain="[('dataset', '=', dataset), ('kind', '=', 'dimension')]",
        help="What the figures are broken down by (rows of the pivot).",
    )
    measure_ids = fields.Many2many(
        "crm.report.field",
        "crm_report_query_measure_rel",
        "query_id",
        "field_id",
        string="Measures",
        domain="[('dataset', '=', dataset), ('kind', '=', 'measure')]",
        help="The figures: amounts, counts, ratios (a ratio is recomputed at every level).",
    )
    period = fields.Selection(
        [("none", "No Period")] + [(p, p.title()) for p in report_engine.PERIODS],
        string="Group by Period",
        default="month",
        required=True,
    )
    date_range = fields.Selection(
        DATE_RANGES + [("custom", "Explicit Dates")], default="last_12_months", required=True
    )
    date_from = fields.Date()
    date_to = fields.Date()
    branch_ids = fields.Many2many(
        "crm.retail.branch",
        string="Branches",
        domain="[('id', 'in', allowed_branch_ids)]",
        help="Empty: all the branches you may see.",
    )
    allowed_branch_ids = fields.Many2many(
        "crm.retail.branch",
        "crm_report_query_allowed_branch_rel",
        "query_id",
        "branch_id",
        compute="_compute_allowed_branch_ids",
    )
    filter_domain = fields.Char(
        string="Filters", default="[]", help="Conditions on the dataset's records."
    )
    detail = fields.Selection(
        [("aggregated", "Aggregated only"), ("customer", "Customer-level rows")],
        string="Level of Detail",
        default="aggregated",
        required=True,
    )
    customer_columns = fields.Char(default="name,membership_number,tier,district")
    sensitivity_ceiling = fields.Selection(
        [
            ("public", "Public"),
            ("internal", "Internal"),
            ("confidential", "Confidential"),
            ("restricted", "Restricted"),
        ],
        default="internal",
        required=True,
    )
    chart_type = fields.Selection(
        [("bar", "Bar"), ("line", "Line"), ("pie", "Pie")],
        string="Default Chart",
        default="bar",
        required=True,
    )
    chart_measure_id = fields.Many2one(
        "crm.report.field",
        domain="[('id', 'in', measure_ids)]",
        help="The measure the chart shows (empty: the first measure).",
    )
    retail_department_id = fields.Many2one(
        "crm.retail.department",
        string="Department",
        default=lambda self: self.env.user.retail_department_id,
        help="The department a saved template belongs to.",
    )
    can_adhoc = fields.Boolean(compute="_compute_can_adhoc")
    can_choose_department = fields.Boolean(compute="_compute_can_adhoc")
    run_id = fields.Many2one("crm.report.run", string="Last Result", readonly=True)
    run_state = fields.Selection(related="run_id.state", string="Result Status")
    run_has_lines = fields.Boolean(related="run_id.has_lines")
    run_row_count = fields.Integer(related="run_id.row_count", string="Rows")
    run_totals_html = fields.Html(related="run_id.totals_html", string="Totals")

    # ------------------------------------------------------------------
    # fields
    # ------------------------------------------------------------------
    @api.depends("name")
    def _compute_display_name(self):
        for query in self:
            query.display_name = query.name or _("Query Tool")

    @api.model
    def _selection_dataset(self):
        field = self.env["crm.report.template"]._fields["dataset"]
        return field._description_selection(self.env)

    @api.depends("dataset")
    def _compute_dataset_model(self):
        datasets = self.env["crm.report.template"]._get_datasets()
        for query in self:
            dataset = datasets.get(query.dataset)
            query.dataset_model = dataset.model if dataset else False

    # per user; "template_id" (in every view of the tool) only so that a new
    # form computes it: the form's first onchange recomputes dependents only
    @api.depends("template_id")
    @api.depends_context("uid")
    def _compute_allowed_branch_ids(self):
        branches = self._allowed_branches()
        for query in self:
            query.allowed_branch_ids = branches

    # per user; "template_id" (in every view of the tool) only so that a new
    # form computes it: the form's first onchange recomputes dependents only
    @api.depends("template_id")
    @api.depends_context("uid")
    def _compute_can_adhoc(self):
        user = self.env.user
        adhoc = user.has_group(ANALYST)
        admin = user.has_group(ADMIN)
        for query in self:
            query.can_adhoc = adhoc
            query.can_choose_department = admin

    @api.model
    def _allowed_branches(self):
        """The branches the user may report on."""
        user = self.env.user
        Branch = self.env["crm.retail.branch"]
        if user.retail_branch_scoped:
            return user.retail_branch_ids
        return Branch.search([])

    @api.model
    def default_get(self, fields_list):
        # the datasets of an add-on installed since are offered at once
        self.env["crm.report.field"]._sync_from_datasets()
        return super().default_get(fields_list)

    @api.model_create_multi
    def create(self, vals_list):
        datasets = self.env["crm.report.template"]._get_datasets()
        for vals in vals_list:
            if vals.get("template_id") and "dataset" not in vals:
                template = self.env["crm.report.template"].browse(vals["template_id"])
                # a template the user may not read fills nothing (running the
                # query refuses it)
                if template.exists() and template.has_access("read"):
                    vals.update(
                        {k: v for k, v in self._template_values(template).items() if k not in vals}
                    )
            if "dataset" in vals and vals["dataset"] not in datasets:
                raise ValidationError(
                    _("Unknown dataset %(dataset)s.", dataset=vals.get("dataset"))
                )
        records = super().create(vals_list)
        # computed per user: not the empty value create leaves in the cache
        records.invalidate_recordset(["allowed_branch_ids"])
        return records

    @api.constrains("dataset", "dimension_ids", "measure_ids", "chart_measure_id")
    def _check_fields_of_dataset(self):
        def fields_of(records):
            return [(f.id, f.code, f.dataset, f.kind) for f in records]

        for query in self:
            with self._query_errors():
                rq.check_fields(
                    query.dataset,
                    fields_of(query.dimension_ids),
                    fields_of(query.measure_ids | query.chart_measure_id),
                )

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for query in self:
            with self._query_errors():
                rq.check_dates(query.date_from, query.date_to)

    @api.constrains("branch_ids")
    def _check_branches(self):
        allowed = self._allowed_branches()
        for query in self:
            foreign = query.branch_ids - allowed
            if foreign:
                raise AccessError(
                    _(
                        "You may not report on the branch %(branch)s.",
                        branch=", ".join(foreign.sudo().mapped("name")),
                    )
                )

    # ------------------------------------------------------------------
    # prefill
    # ------------------------------------------------------------------
    @api.model
    def _template_dataset(self, template):
        """The dataset code a template reads: its pre-calculated source when
        it is pre-calculated (e.g. customer_profit for sales_events)."""
        datasets = self.env["crm.report.template"]._get_datasets()
        return rq.precalc_dataset(template.dataset, template.timeliness, datasets)

    @api.model
    def _template_query(self, template):
        """The content of ``template`` as a lib.report_query.Query."""
        return rq.Query.from_template(
            self._template_dataset(template),
            template.dimensions,
            template.measures,
            template.period,
            template.filter_domain,
            template.detail,
        )

    @api.model
    def _template_values(self, template):
        """The query values of ``template`` (its dataset, dimensions,
        measures, period, dates, filters, chart, department)."""
        Field = self.env["crm.report.field"]
        query = self._template_query(template)
        dataset = query.dataset
        dimensions = Field._for_codes(dataset, "dimension", list(query.dimensions))
        measures = Field._for_codes(dataset, "measure", list(query.measures))
        date_from, date_to = template._get_date_bounds()
        chart = measures.filtered(lambda f: f.code == template.chart_measure)[:1]
        return {
            "dataset": dataset,
            "dimension_ids": [Command.set(dimensions.ids)],
            "measure_ids": [Command.set(measures.ids)],
            "period": query.period,
            "date_range": template.date_range,
            "date_from": date_from,
            "date_to": date_to,
            "filter_domain": template.filter_domain or "[]",
            "detail": template.detail,
            "customer_columns": template.customer_columns,
            "sensitivity_ceiling": template.sensitivity_ceiling,
            "chart_type": template.chart_type,
            "chart_measure_id": chart.id,
            "retail_department_id": template.retail_department_id.id,
        }

    @api.onchange("template_id")
    def _onchange_template_id(self):
        if self.template_id:
            for fname, value in self._template_values(self.template_id).items():
                self[fname] = value
            if not self.name:
                self.name = self.template_id.name

    @api.onchange("dataset")
    def _onchange_dataset(self):
        self.dimension_ids = self.dimension_ids.filtered(lambda f: f.dataset == self.dataset)
        self.measure_ids = self.measure_ids.filtered(lambda f: f.dataset == self.dataset)
        if self.chart_measure_id not in self.measure_ids:
            self.chart_measure_id = False
        if not self.template_id or self.dataset != self._template_dataset(self.template_id):
            self.filter_domain = "[]"

    @api.onchange("measure_ids")
    def _onchange_measure_ids(self):
        if self.chart_measure_id and self.chart_measure_id not in self.measure_ids:
            self.chart_measure_id = False

    @api.onchange("date_range")
    def _onchange_date_range(self):
        if self.date_range != "custom":
            self.date_from, self.date_to = date_range_bounds(
                self.date_range, fields.Date.context_today(self)
            )

    # ------------------------------------------------------------------
    # actions
    # ------------------------------------------------------------------
    def action_run(self):
        self.ensure_one()
        run = self._run_query()
        if run.state == "done" and run.has_lines:
            return run.action_view_lines()
        return {
            "type": "ir.actions.act_window",
            "res_model": "crm.report.run",
            "res_id": run.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }

    def action_save_template(self):
        """Keep the query as a template of the user's department."""
        self.ensure_one()
        self._check_query(adhoc=True)
        if not (self.name or "").strip():
            raise UserError(_("Give the template a name first."))
        values = dict(
            self._spec_values(),
            name=self.name.strip(),
            owner_id=self.env.user.id,
            purpose=self.template_id.purpose if self.template_id else False,
        )
        # sudo after _check_query (an analyst or administrator, the user's
        # own department, fields of the dataset, branches the user sees):
        # analysts read templates but the tool creates them; the template's
        # own constraints refuse an over-wide or invalid one
        template = self.env["crm.report.template"].sudo().create(values)
        self.template_id = template.with_env(self.env)
        return {
            "type": "ir.actions.act_window",
            "res_model": "crm.report.template",
            "res_id": template.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }

    def action_open_tool(self):
        """From the template's Run dialog: adjust the query in the full tool."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Query Tool"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [
                (self.env.ref("crm_retail_compile.crm_report_query_view_form_tool").id, "form")
            ],
            "target": "current",
        }

    def action_open_result(self):
        self.ensure_one()
        if not self.run_id:
            raise UserError(_("Run the query first."))
        return self.run_id.action_view_lines()

    def action_download_xlsx(self):
        self.ensure_one()
        if not self.run_id:
            raise UserError(_("Run the query first."))
        return self.run_id.action_download("xlsx")

    def action_download_pdf(self):
        self.ensure_one()
        if not self.run_id:
            raise UserError(_("Run the query first."))
        return self.run_id.action_download("pdf")
