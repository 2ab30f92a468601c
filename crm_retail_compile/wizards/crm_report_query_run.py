"""The query tool, its compiling half: from the form to a run.

``crm.report.query`` (form, fields, onchanges, buttons:
crm_report_query.py) is checked here (``_check_query``) and becomes a run:
the template itself when nothing was changed, otherwise a hidden (archived)
template of the user's department, one per distinct query and user (code
``adhoc_<uid>_<digest>``), removed once not run for
``lib.report_query.ADHOC_KEEP_DAYS`` days. ``run_adhoc`` is the server entry
point (XML-RPC, benchmarks): a query given by codes.

The checks and normalisation themselves are plain Python in
``lib/report_query.py``; ``_query_error`` turns its ``QueryError`` into the
user's translated UserError or ValidationError.
"""

import datetime
from contextlib import contextmanager

from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..lib import report_query as rq
from ..models.crm_report_template import date_range_bounds
from .crm_report_query import ADMIN, ANALYST


class CrmReportQuery(models.TransientModel):
    _inherit = "crm.report.query"

    # ------------------------------------------------------------------
    # the query as a template spec
    # ------------------------------------------------------------------
    def _query(self):
        """The content of the query as a lib.report_query.Query."""
        self.ensure_one()
        return rq.Query(
            dataset=self.dataset,
            dimensions=tuple(self.dimension_ids.mapped("code")),
            measures=tuple(self.measure_ids.mapped("code")),
            period=self.period,
            date_range=self.date_range,
            filter_domain=self.filter_domain,
            detail=self.detail,
            customer_columns=self.customer_columns,
            sensitivity_ceiling=self.sensitivity_ceiling,
            chart_type=self.chart_type,
            chart_measure=self.chart_measure_id.code,
        )

    def _dates(self):
        """(date_from, date_to) of the run: the dates when given, otherwise
        those of the named range."""
        self.ensure_one()
        today = fields.Date.context_today(self)
        return rq.run_dates(self.date_from, self.date_to, self.date_range, today, date_range_bounds)

    def _matches_template(self):
        """True when the query is its template unchanged (dates, branches
        and chart aside): the template itself is run."""
        self.ensure_one()
        if not self.template_id:
            return False
        return self._query().same_content(self._template_query(self.template_id))

    def _department(self):
        """The department of the user's ad-hoc queries and saved templates."""
        self.ensure_one()
        user = self.env.user
        department = self.retail_department_id or user.retail_department_id
        if not department:
            raise UserError(
                _("You belong to no department: ask an administrator to set yours first.")
            )
        if department != user.retail_department_id and not user.has_group(ADMIN):
            raise AccessError(_("You may only build queries for your own department."))
        return department

    def _check_query(self, adhoc=True):
        """Everything a run or a saved template needs, with a clear error."""
        self.ensure_one()
        datasets = self.env["crm.report.template"]._get_datasets()
        dataset = datasets.get(self.dataset)
        if dataset is None:
            raise UserError(_("Choose a dataset."))
        if adhoc and not self.env.user.has_group(ANALYST):
            raise AccessError(
                _(
                    "Only department analysts and administrators build their own queries: "
                    "run one of your department's report templates instead."
                )
            )
        if not self.measure_ids:
            raise UserError(_("Choose at least one measure."))
        self._check_fields_of_dataset()
        self._check_dates()
        self._check_branches()
        with self._query_errors():
            self._query().check_width()
        if self.branch_ids and "branch" not in dataset.dimensions:
            raise UserError(_("This dataset cannot be limited to branches."))
        with self._query_errors():
            domain = rq.parse_filters(self.filter_domain)
            try:
                self.env[dataset.model]._where_calc(domain)
            except (ValueError, SyntaxError, TypeError, KeyError, AssertionError) as error:
                raise rq.QueryError("bad_filters", error=error) from error
        return dataset

    def _spec_values(self):
        """The crm.report.template values of the query (content only)."""
        self.ensure_one()
        department = self._department()
        return self._query().template_values(department.id, department.clearance)

    def _default_name(self):
        self.ensure_one()
        measures = ", ".join(self.measure_ids.mapped("display_name"))
        dims = self.dimension_ids.mapped("display_name")
        if self.period != "none":
            dims.insert(
                0, dict(self._fields["period"]._description_selection(self.env))[self.period]
            )
        if dims:
            name = _(
                "Query: %(measures)s by %(dimensions)s",
                measures=measures,
                dimensions=", ".join(dims),
            )
        else:
            name = _("Query: %(measures)s", measures=measures)
        return name[:200]

    def _adhoc_template(self):
        """The hidden template of this query for the current user: the same
        query reuses it, so its runs stay comparable."""
        self.ensure_one()
        self._check_query(adhoc=True)
        user = self.env.user
        values = self._spec_values()
        code = rq.adhoc_code(user.id, values)
        # sudo after the checks above: analysts read templates, the tool
        # creates them (one per distinct query, archived, owned by the user)
        Template = self.env["crm.report.template"].sudo().with_context(active_test=False)
        template = Template.search([("code", "=", code)], limit=1)
        if not template:
            template = Template.with_context(
                mail_create_nolog=True, mail_create_nosubscribe=True, tracking_disable=True
            ).create(
                dict(
                    values,
                    name=self._default_name(),
                    code=code,
                    active=False,
                    owner_id=user.id,
                    purpose=_("Ad-hoc query of %(user)s", user=user.name),
                    output_xlsx=True,
                    output_pdf=True,
                    output_csv=False,
                    schedule="none",
                )
            )
        return template.with_env(self.env)

    @api.autovacuum
    def _gc_adhoc_templates(self):
        """Remove the hidden templates of ad-hoc queries not run for
        ADHOC_KEEP_DAYS days, with their runs and files (a saved template is
        an ordinary template and stays)."""
        limit = fields.Datetime.now() - datetime.timedelta(days=rq.ADHOC_KEEP_DAYS)
        Template = self.env["crm.report.template"].sudo().with_context(active_test=False)
        templates = Template.search(
            [
                ("code", "=like", f"{rq.ADHOC_PREFIX}%"),
                ("active", "=", False),
                ("create_date", "<", limit),
            ]
        )
        if not templates:
            return 0
        recent = (
            self.env["crm.report.run"]
            .sudo()
            .search([("template_id", "in", templates.ids), ("create_date", ">=", limit)])
            .template_id
        )
        stale = templates - recent
        # runs through the ORM: their attachments and messages go with them
        stale.run_ids.unlink()
        stale.unlink()
        return len(stale)

    # ------------------------------------------------------------------
    # runs
    # ------------------------------------------------------------------
    def _run_query(self):
        """Compile the query now (a customer-level one is queued) and return
        the run."""
        self.ensure_one()
        if self._matches_template():
            self._check_query(adhoc=False)
            template = self.template_id
        else:
            template = self._adhoc_template()
        date_from, date_to = self._dates()
        run = self.env["crm.report.run"]._create_for_template(
            template, date_from=date_from, date_to=date_to, branches=self.branch_ids
        )
        # the query reads committed data on the read replica when there is one
        run.with_context(crm_report_replica=True).action_run()
        self.run_id = run
        return run

    @api.model
    def run_adhoc(self, values):
        """Run an ad-hoc query given by codes and return the run's id.

        ``values``: ``dataset`` (code), ``dimensions`` and ``measures``
        (lists of codes), ``period`` (``none``, day, week, month, quarter,
        year), ``date_range`` or ``date_from``/``date_to`` (ISO dates),
        ``branch_ids``, ``filters`` (a domain), ``template_id`` (start
        from a template), ``detail``, ``chart_type``, ``chart_measure``,
        ``retail_department_id`` (administrators). Bad input raises a
        UserError, ValidationError or AccessError and runs nothing."""
        query = self.create(self._values_from_api(values))
        return query._run_query().id

    @api.model
    def _values_from_api(self, values):
        """Query values from ``run_adhoc``'s codes, with a clear error for
        anything wrong."""
        with self._query_errors():
            rq.check_api_keys(values)
            vals = {}
            template_id = rq.api_template_id(values)
            if template_id:
                template = self.env["crm.report.template"].browse(template_id).exists()
                if not template:
                    raise UserError(_("This report template does not exist."))
                template.check_access("read")
                vals = dict(self._template_values(template), template_id=template.id)
            dataset = values.get("dataset", vals.get("dataset"))
            if dataset not in self.env["crm.report.template"]._get_datasets():
                raise UserError(_("Unknown dataset %(dataset)s.", dataset=dataset))
            vals["dataset"] = dataset
            vals.update(self._api_fields(dataset, values))
            for key in ("period", "date_range", "detail", "chart_type"):
                if key in values:
                    selection = self._fields[key]._description_selection(self.env)
                    vals[key] = rq.api_choice(key, values[key], [k for k, _label in selection])
            vals.update(rq.api_dates(values))
            if "branch_ids" in values:
                vals["branch_ids"] = self._api_branches(values["branch_ids"])
            if "filters" in values:
                vals["filter_domain"] = rq.api_filters(values["filters"])
            for key in ("name", "retail_department_id"):
                if key in values:
                    vals[key] = values[key]
            if rq.needs_range_dates(vals, values):
                vals["date_from"], vals["date_to"] = date_range_bounds(
                    vals["date_range"], fields.Date.context_today(self)
                )
        return vals

    @api.model
    def _api_fields(self, dataset, values):
        """dimension_ids, measure_ids and chart_measure_id from codes."""
        Field = self.env["crm.report.field"]
        vals = {}
        for key, kind, fname in (
            ("dimensions", "dimension", "dimension_ids"),
            ("measures", "measure", "measure_ids"),
        ):
            if key not in values:
                continue
            codes = rq.api_codes(key, values[key])
            records = Field._for_codes(dataset, kind, codes)
            if len(records) != len(set(codes)):
                Field._sync_from_datasets()  # an add-on installed since
                records = Field._for_codes(dataset, kind, codes)
            rq.check_missing(dataset, kind, codes, records.mapped("code"))
            vals[fname] = [Command.set(records.ids)]
        if values.get("chart_measure"):
            chart = Field._for_codes(dataset, "measure", [values["chart_measure"]])
            rq.check_missing(dataset, "measure", [values["chart_measure"]], chart.mapped("code"))
            vals["chart_measure_id"] = chart.id
        return vals

    @api.model
    def _api_branches(self, ids):
        ids = rq.api_branch_ids(ids)
        branches = self.env["crm.retail.branch"].browse(ids).exists()
        if len(branches) != len(set(ids)):
            raise UserError(_("Unknown branch."))
        return [Command.set(branches.ids)]

    @contextmanager
    def _query_errors(self):
        """Turn a lib.report_query.QueryError into the user's error."""
        try:
            yield
        except rq.QueryError as error:
            raise self._query_error(error) from error

    def _query_error(self, error):
        """The translated UserError or ValidationError of a QueryError."""
        env, p = self.env, error.params
        messages = {
            "wrong_fields": lambda: env._(
                "%(fields)s: not a dimension or measure of the dataset %(dataset)s.", **p
            ),
            "dates_order": lambda: env._("The period starts after it ends."),
            "too_wide": lambda: env._(
                "The query asks for %(count)s dimensions (customer columns included): a "
                "report holds at most %(limit)s. Remove some, or split it in two.",
                **p,
            ),
            "too_many_measures": lambda: env._(
                "The query asks for %(count)s measures: a report holds at most %(limit)s. "
                "Remove some, or split it in two.",
                **p,
            ),
            "bad_filters": lambda: env._(
                "The filters are not valid conditions on this dataset: %(error)s", **p
            ),
            "not_dict": lambda: env._("The query must be a dictionary of values."),
            "unknown_keys": lambda: env._("Unknown query keys: %(keys)s.", **p),
            "bad_template_id": lambda: env._("template_id must be a template id."),
            "bad_codes": lambda: env._("%(key)s must be a list of codes.", **p),
            "no_dimension": lambda: env._(
                "The dataset %(dataset)s has no dimension %(codes)s.", **p
            ),
            "no_measure": lambda: env._("The dataset %(dataset)s has no measure %(codes)s.", **p),
            "bad_choice": lambda: env._("%(key)s must be one of %(allowed)s.", **p),
            "bad_date": lambda: env._("%(key)s must be a date (YYYY-MM-DD).", **p),
            "bad_branch_ids": lambda: env._("branch_ids must be a list of branch ids."),
        }
        exception = ValidationError if error.code in rq.VALIDATION_CODES else UserError
        return exception(messages[error.code]())
