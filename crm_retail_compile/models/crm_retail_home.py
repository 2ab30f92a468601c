import datetime

import pytz
from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models

OPEN_REQUEST_STATES = ("received", "verifying", "in_progress")


class CrmRetailHome(models.AbstractModel):
    """The Retail CRM home page: what each role acts on today.

    ``get_home_data`` is the one call of the home client action. It runs with
    the user's own rights (record rules apply) and counts set-based, one
    ``search_count`` or ``_read_group`` per card. Other add-ons add cards by
    overriding the ``_home_cards_<role>`` hooks.
    """

    _name = "crm.retail.home"
    _description = "Retail CRM Home Page"

    # ------------------------------------------------------------------ API
    @api.model
    def get_home_data(self):
        user = self.env.user
        roles = self._home_roles()
        sections = []
        for role in roles:
            cards = getattr(self, "_home_cards_%s" % role)()
            if cards:
                sections.append(
                    {"key": role, "title": self._home_role_titles()[role], "cards": cards}
                )
        return {
            "user_name": user.name,
            "branches": ", ".join(user.retail_branch_ids.mapped("name")),
            "today": fields.Date.to_string(self._home_today()),
            "roles": roles,
            "sections": sections,
        }

    @api.model
    def _home_roles(self):
        """The user's roles, in the order their sections are shown."""
        user = self.env.user
        if user.has_group("crm_retail_compile.group_retail_admin"):
            roles = ["admin"]
        else:
            roles = []
            if user.has_group("crm_retail_compile.group_branch_manager"):
                roles.append("manager")
            elif user.has_group("crm_retail_compile.group_branch_staff"):
                roles.append("staff")
            if user.has_group("crm_retail_compile.group_department_analyst"):
                roles.append("analyst")
        if user.has_group("crm_privacy_pdpo.group_privacy_officer"):
            roles.append("privacy")
        return roles

    @api.model
    def _home_role_titles(self):
        return {
            "staff": _("Today at the counter"),
            "manager": _("Today in the branch"),
            "analyst": _("Department reports"),
            "privacy": _("Privacy work"),
            "admin": _("Jobs and data quality"),
        }

    # -------------------------------------------------------------- helpers
    @api.model
    def _home_today(self):
        return fields.Date.context_today(self)

    @api.model
    def _home_utc_bounds(self, date_from, date_to):
        """UTC datetimes of [date_from 00:00, date_to + 1 day 00:00) in the
        user's time zone (the one ``context_today`` uses), for datetime
        fields."""
        tz_name = self.env.context.get("tz") or self.env.user.tz
        try:
            tz = pytz.timezone(tz_name) if tz_name else pytz.utc
        except pytz.UnknownTimeZoneError:
            tz = pytz.utc

        def to_utc(day):
            local = tz.localize(datetime.datetime.combine(day, datetime.time.min))
            return local.astimezone(pytz.utc).replace(tzinfo=None)

        return to_utc(date_from), to_utc(date_to + datetime.timedelta(days=1))

    @api.model
    def _home_card(
        self, key, title, model, domain, *, subtitle="", severity="", count=None, **extra
    ):
        """A card counting ``model`` records matching ``domain`` (with the
        user's rights), opening their list when clicked; ``count`` when the
        caller already counted them (grouped)."""
        if count is None:
            count = self.env[model].search_count(domain)
        card = {
            "key": key,
            "title": title,
            "subtitle": subtitle,
            "count": count,
            "severity": severity if count else "",
            "action": {
                "type": "ir.actions.act_window",
                "name": title,
                "res_model": model,
                "domain": domain,
                "views": [[False, "list"], [False, "form"]],
                "target": "current",
            },
        }
        card.update(extra)
        return card

    @api.model
    def _home_day_domain(self, month_field, day_field, days):
        """Domain matching any of the (month, day) pairs of ``days``."""
        terms = [["&", (month_field, "=", d.month), (day_field, "=", d.day)] for d in days]
        domain = ["|"] * (len(terms) - 1)
        for term in terms:
            domain += term
        return domain

    @api.model
    def _home_week(self):
        today = self._home_today()
        return [today + datetime.timedelta(days=i) for i in range(7)]

    # ---------------------------------------------------------------- cards
    @api.model
    def _home_cards_staff(self):
        """Counter work: customers, birthdays, data-quality to-dos and the
        user's activities (extended by crm_jewellery_ext)."""
        today = self._home_today()
        user = self.env.user
        customer = [("is_retail_customer", "=", True)]
        return [
            self._home_card(
                "customers",
                _("Customers"),
                "res.partner",
                customer,
                subtitle=_("of your branches"),
            ),
            self._home_card(
                "birthdays_today",
                _("Birthdays today"),
                "res.partner",
                customer + self._home_day_domain("birthday_month", "birthday_day", [today]),
                severity="info",
            ),
            self._home_card(
                "birthdays_week",
                _("Birthdays this week"),
                "res.partner",
                customer
                + self._home_day_domain("birthday_month", "birthday_day", self._home_week()),
                subtitle=_("next 7 days"),
            ),
            self._home_card(
                "dq_open",
                _("Data-quality to-dos"),
                "crm.dq.issue",
                [("state", "=", "open")],
                subtitle=_("open issues of your branches"),
                severity="warning",
            ),
            self._home_card(
                "my_activities",
                _("My activities due"),
                "mail.activity",
                [("user_id", "=", user.id), ("date_deadline", "<=", today)],
                subtitle=_("today and overdue"),
                severity="warning",
            ),
        ]

    @api.model
    def _home_cards_manager(self):
        """The staff's cards plus the branch's sales against last year."""
        return self._home_dashboard_cards() + self._home_cards_staff() + self._home_sales_cards()

    @api.model
    def _home_dashboard_cards(self):
        """The user's Retail CRM dashboards (its department's, the privacy
        officer's; administrators see all): one card opening the user's own
        department's dashboard first. The rules on ``spreadsheet.dashboard``
        decide what the search finds."""
        group = self.env.ref(
            "crm_retail_compile.spreadsheet_dashboard_group_retail_crm", raise_if_not_found=False
        )
        if not group:
            return []
        dashboards = self.env["spreadsheet.dashboard"].search(
            [("dashboard_group_id", "=", group.id), ("is_published", "=", True)]
        )
        if not dashboards:
            return []
        department = self.env.user.retail_department_id
        own = dashboards.filtered(lambda d: department and d.crm_department_id == department)
        first = (own or dashboards)[:1]
        title = (
            _("Dashboard: %(name)s", name=first.name) if len(dashboards) == 1 else _("Dashboards")
        )
        return [
            {
                "key": "dashboards",
                "title": title,
                "subtitle": ", ".join(dashboards.mapped("name")),
                "count": len(dashboards),
                "severity": "",
                "action": {
                    "type": "ir.actions.client",
                    "tag": "action_spreadsheet_dashboard",
                    "name": _("Dashboards"),
                    "params": {"dashboard_id": first.id},
                },
            }
        ]

    @api.model
    def _home_sales_cards(self):
        today = self._home_today()
        month_start = today.replace(day=1)
        last_year = today - relativedelta(years=1)
        periods = [
            ("sales_today", _("Sales today"), today, today, last_year, last_year),
            (
                "sales_month",
                _("Sales this month"),
                month_start,
                today,
                month_start - relativedelta(years=1),
                last_year,
            ),
        ]
        Order = self.env["sale.order"]
        # the branch's own sales: not the orders without a branch the
        # branch rule also shows
        branches = self.env.user.retail_branch_ids
        branch_domain = [("retail_branch_id", "in", branches.ids)] if branches else []
        cards = []
        for key, title, start, end, ly_start, ly_end in periods:
            totals = []
            domains = []
            for date_from, date_to in ((start, end), (ly_start, ly_end)):
                utc_from, utc_to = self._home_utc_bounds(date_from, date_to)
                domain = branch_domain + [
                    ("state", "=", "sale"),
                    ("date_order", ">=", utc_from),
                    ("date_order", "<", utc_to),
                ]
                domains.append(domain)
                [(amount, count)] = Order._read_group(
                    domain, aggregates=["amount_untaxed:sum", "__count"]
                )
                totals.append((amount or 0.0, count))
            (amount, count), (ly_amount, _ly_count) = totals
            card = self._home_card(key, title, "sale.order", domains[0], count=count)
            currency = self.env.company.currency_id
            card.update(
                {
                    "amount": amount,
                    "amount_display": currency.format(amount),
                    "subtitle": _("last year %(amount)s", amount=currency.format(ly_amount)),
                    "trend": (
                        round((amount - ly_amount) * 100.0 / ly_amount) if ly_amount else None
                    ),
                }
            )
            cards.append(card)
        return cards

    @api.model
    def _home_cards_analyst(self):
        """The department's reports: templates, scheduled ones, latest
        runs and failures, and forecast evaluations."""
        department = self.env.user.retail_department_id
        dept = [("retail_department_id", "=", department.id)] if department else []
        week_ago = fields.Datetime.now() - datetime.timedelta(days=7)
        return self._home_dashboard_cards() + [
            self._home_card(
                "reports",
                _("Department reports"),
                "crm.report.template",
                list(dept),
                subtitle=department.name or "",
            ),
            self._home_card(
                "reports_scheduled",
                _("Scheduled reports"),
                "crm.report.template",
                dept + [("schedule", "!=", "none")],
            ),
            self._home_card(
                "runs_week",
                _("Runs this week"),
                "crm.report.run",
                dept + [("state", "=", "done"), ("create_date", ">=", week_ago)],
                subtitle=_("done in the last 7 days"),
            ),
            self._home_card(
                "runs_failed",
                _("Failed runs"),
                "crm.report.run",
                dept + [("state", "=", "failed"), ("create_date", ">=", week_ago)],
                subtitle=_("last 7 days"),
                severity="danger",
            ),
            self._home_card(
                "forecasts",
                _("Forecast evaluations"),
                "crm.forecast.run",
                [],
            ),
        ]

    @api.model
    def _home_cards_privacy(self):
        """Requests against the 40-day deadline (overdue first), consents
        withdrawn this week, export requests waiting and open breaches."""
        today = self._home_today()
        open_requests = [("state", "in", OPEN_REQUEST_STATES)]
        Request = self.env["crm.privacy.request"]
        soon = Request.search(open_requests, order="due_date asc, id asc", limit=5)
        items = [
            {
                "id": req.id,
                "name": req.name,
                "type": dict(Request._fields["request_type"]._description_selection(self.env))[
                    req.request_type
                ],
                "days_left": (req.due_date - today).days if req.due_date else None,
            }
            for req in soon
        ]
        week_start = today - datetime.timedelta(days=today.weekday())
        utc_from, _utc_to = self._home_utc_bounds(week_start, today)
        return self._home_dashboard_cards() + [
            self._home_card(
                "requests_open",
                _("Access and correction requests"),
                "crm.privacy.request",
                open_requests,
                subtitle=_("open; answer within 40 days"),
                items=items,
                item_model="crm.privacy.request",
            ),
            self._home_card(
                "requests_overdue",
                _("Requests overdue"),
                "crm.privacy.request",
                open_requests + [("due_date", "<", today)],
                severity="danger",
            ),
            self._home_card(
                "requests_due_week",
                _("Requests due within 7 days"),
                "crm.privacy.request",
                open_requests
                + [
                    ("due_date", ">=", today),
                    ("due_date", "<=", today + datetime.timedelta(days=7)),
                ],
                severity="warning",
            ),
            self._home_card(
                "consents_withdrawn",
                _("Consents withdrawn this week"),
                "crm.privacy.consent",
                [("kind", "=", "opt_out"), ("consent_date", ">=", utc_from)],
            ),
            self._home_card(
                "exports_waiting",
                _("Export requests waiting"),
                "crm.privacy.export.request",
                [("state", "=", "requested")],
                severity="warning",
            ),
            self._home_card(
                "breaches_open",
                _("Breaches open"),
                "crm.privacy.breach",
                [("state", "!=", "closed")],
                severity="danger",
            ),
        ]

    @api.model
    def _home_cards_admin(self):
        """Report jobs waiting or failed, the last data-quality scan and the
        open data-quality issues by severity."""
        week_ago = fields.Datetime.now() - datetime.timedelta(days=7)
        cards = [
            self._home_card(
                "jobs_queued",
                _("Report jobs waiting"),
                "crm.report.run",
                [("state", "in", ("queued", "running"))],
                subtitle=_("queued or running"),
            ),
            self._home_card(
                "jobs_failed",
                _("Report jobs failed"),
                "crm.report.run",
                [("state", "=", "failed"), ("create_date", ">=", week_ago)],
                subtitle=_("last 7 days"),
                severity="danger",
            ),
            self._home_card(
                "dq_scans",
                _("Data-quality scans"),
                "crm.dq.scan",
                [("started", ">=", week_ago)],
                subtitle=_("last 7 days"),
            ),
        ]
        Issue = self.env["crm.dq.issue"]
        severities = dict(Issue._fields["severity"]._description_selection(self.env))
        counts = dict(Issue._read_group([("state", "=", "open")], ["severity"], ["__count"]))
        for severity, label in severities.items():
            card = self._home_card(
                "dq_%s" % severity,
                _("Open issues: %(severity)s", severity=label),
                "crm.dq.issue",
                [("state", "=", "open"), ("severity", "=", severity)],
                subtitle=_("data quality"),
                count=counts.get(severity, 0),
            )
            cards.append(card)
        return cards
