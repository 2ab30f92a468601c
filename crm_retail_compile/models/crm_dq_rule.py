from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..lib import data_quality as dq

SEVERITIES = [
    ("low", "Low"),
    ("medium", "Medium"),
    ("high", "High"),
    ("critical", "Critical"),
]
CATEGORIES = [
    ("missing", "Missing Information"),
    ("substandard", "Substandard Value"),
    ("duplicate", "Duplicate"),
    ("sales", "Irregular Sales Data"),
]
# The check a rule runs. Rules are data: several rules may share a check
# with different parameters (say, a discount above 30% and one above 60%).
CHECKS = [
    ("no_contact", "Customer without phone, mobile or email"),
    ("no_district", "Customer without district"),
    ("no_consent", "Customer without any consent record"),
    ("no_pics", "Customer never given a collection notice (PICS)"),
    ("invalid_phone", "Invalid phone number"),
    ("invalid_email", "Invalid email address"),
    ("placeholder_name", "Placeholder name"),
    ("future_birthday", "Birthday in the future"),
    ("dup_phone", "Same phone number as another customer"),
    ("dup_email", "Same email as another customer"),
    ("dup_name", "Very similar name (same district and birthday)"),
    ("line_margin", "Order line with zero or negative margin"),
    ("line_below_cost", "Order line sold below cost"),
    ("line_discount", "Order line discount above threshold"),
    ("order_no_customer", "Confirmed order without customer"),
    ("order_no_branch", "Confirmed order without branch"),
    ("invoice_mismatch", "Invoice total differs from its order lines"),
]
CHECK_MODELS = {
    "line_margin": "sale.order.line",
    "line_below_cost": "sale.order.line",
    "line_discount": "sale.order.line",
    "order_no_customer": "sale.order",
    "order_no_branch": "sale.order",
    "invoice_mismatch": "account.move",
}
PYTHON_CHECKS = {"invalid_phone"}

# Customers the customer rules look at: active retail customers, except
# anonymised ones (their personal data was erased on purpose).
CUSTOMER_WHERE = SQL("p.is_retail_customer AND p.active AND NOT COALESCE(p.crm_anonymised, FALSE)")


class CrmDqRule(models.Model):
    _name = "crm.dq.rule"
    _description = "Data Quality Rule"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10)
    check = fields.Selection(CHECKS, required=True)
    category = fields.Selection(CATEGORIES, required=True, index=True)
    res_model = fields.Char(
        string="Checked Model", compute="_compute_res_model", store=True, readonly=True
    )
    severity = fields.Selection(SEVERITIES, required=True, default="medium")
    description = fields.Text(translate=True)
    threshold = fields.Float(
        help="Numeric parameter of the check: the discount in percent, the name "
        "similarity (0-1) or the amount tolerance of an invoice.",
    )
    param_text = fields.Char(
        string="Parameter",
        help="Text parameter of the check, e.g. the comma-separated placeholder names.",
    )
    create_activity = fields.Boolean(
        string="Create Activities",
        help="Schedule an activity for the customer's branch manager (or salesperson) "
        "on each new issue, to supplement the missing information.",
    )
    activity_limit = fields.Integer(
        default=100, help="At most this many activities per scan for this rule."
    )
    issue_ids = fields.One2many("crm.dq.issue", "rule_id")
    last_check_date = fields.Datetime(
        string="Last Checked",
        readonly=True,
        help="When a scan last checked this rule over all the records.",
    )
    open_issue_count = fields.Integer(compute="_compute_open_issue_count")

    _sql_constraints = [
        (
            "activity_limit_positive",
            "CHECK(activity_limit >= 0)",
            "The activity limit cannot be negative.",
        ),
    ]

    def init(self):
        # similarity() of the duplicate-name check; pg_trgm is a trusted
        # extension (PostgreSQL >= 13): the database owner may create it.
        self.env.cr.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")

    @api.depends("check")
    def _compute_res_model(self):
        for rule in self:
            rule.res_model = CHECK_MODELS.get(rule.check, "res.partner") if rule.check else False

    def _compute_open_issue_count(self):
        counts = dict(
            self.env["crm.dq.issue"]._read_group(
                [("rule_id", "in", self.ids), ("state", "=", "open")], ["rule_id"], ["__count"]
            )
        )
        for rule in self:
            rule.open_issue_count = counts.get(rule, 0)

    def action_check_now(self):
        """Run this rule (only) now, outside any scheduled scan."""
        if not self.env.user.has_group("crm_retail_compile.group_branch_manager"):
            raise UserError(_("Only branch managers and administrators can run checks."))
        scan = self.env["crm.dq.scan"].sudo()._create_scan(trigger="manual", rules=self)
        scan._run_all()
        return scan._action_open()

    def action_view_issues(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_retail_compile.crm_dq_issue_action"
        )
        action["domain"] = [("rule_id", "=", self.id)]
        action["context"] = {"search_default_filter_open": 1}
        return action

    # --- checks ---------------------------------------------------------------
    # Each SQL check returns a query of the columns
    #   res_id, partner_id, retail_branch_id, detail, related_partner_id
    # over the whole database: one set-based query per rule.

    def _is_python_check(self):
        self.ensure_one()
        return self.check in PYTHON_CHECKS

    def _violation_query(self):
        self.ensure_one()
        if self.check not in dict(CHECKS) or self.check in PYTHON_CHECKS:
            raise UserError(_("Unknown data-quality check: %(check)s", check=self.check))
        return getattr(self, f"_dq_sql_{self.check}")()

    def _customer_query(self, condition, detail=None):
        return SQL(
            """SELECT p.id, p.id, p.retail_branch_id, %s::varchar, NULL::int
                 FROM res_partner p
                WHERE %s AND (%s)""",
            detail or "",
            CUSTOMER_WHERE,
            condition,
        )

    def _dq_sql_no_contact(self):
        return self._customer_query(
            SQL(
                "COALESCE(btrim(p.phone), '') = '' AND COALESCE(btrim(p.mobile), '') = '' "
                "AND COALESCE(btrim(p.email), '') = ''"
            ),
            _("No phone, mobile or email"),
        )

    def _dq_sql_no_district(self):
        return self._customer_query(SQL("p.district_id IS NULL"), _("No district"))

    def _dq_sql_no_consent(self):
        return self._customer_query(
            SQL("NOT EXISTS (SELECT 1 FROM crm_privacy_consent c WHERE c.partner_id = p.id)"),
            _("No consent or opt-out recorded"),
        )

    def _dq_sql_no_pics(self):
        # A notice is given when it is acknowledged (the register of notices
        # given) or referred to by a consent (a consent requires the version
        # of the notice the customer was given).
        return self._customer_query(
            SQL(
                """NOT EXISTS (SELECT 1 FROM crm_privacy_pics_acknowledgement a
                                WHERE a.partner_id = p.id)
                   AND NOT EXISTS (SELECT 1 FROM crm_privacy_consent c
                                    WHERE c.partner_id = p.id AND c.pics_id IS NOT NULL)"""
            ),
            _("No collection notice (PICS) given"),
        )

    def _dq_sql_invalid_email(self):
        return SQL(
            """SELECT p.id, p.id, p.retail_branch_id, p.email, NULL::int
                 FROM res_partner p
                WHERE %s AND COALESCE(btrim(p.email), '') <> ''
                  AND btrim(p.email) !~ %s""",
            CUSTOMER_WHERE,
            dq.EMAIL_REGEX,
        )

    def _dq_sql_placeholder_name(self):
        regex = dq.placeholder_regex(
            dq.parse_placeholders(self.param_text or dq.DEFAULT_PLACEHOLDERS)
        )
        return SQL(
            """SELECT p.id, p.id, p.retail_branch_id, p.name, NULL::int
                 FROM res_partner p
                WHERE %s AND (COALESCE(btrim(p.name), '') = ''
                      OR lower(regexp_replace(btrim(p.name), '\\s+', ' ', 'g')) ~ %s)""",
            CUSTOMER_WHERE,
            regex or "^$",
        )

    def _dq_sql_future_birthday(self):
        today = fields.Date.context_today(self)
        return SQL(
            """SELECT p.id, p.id, p.retail_branch_id,
                      concat_ws('-', p.birthday_year, p.birthday_month, p.birthday_day),
                      NULL::int
                 FROM res_partner p
                WHERE %s AND p.birthday_year > 0
                  AND (p.birthday_year > %s
                       OR (p.birthday_year = %s AND p.birthday_month > 0 AND p.birthday_day > 0
                           AND (p.birthday_month, p.birthday_day) > (%s, %s)))""",
            CUSTOMER_WHERE,
            today.year,
            today.year,
            today.month,
            today.day,
        )

    def _dq_sql_dup_phone(self):
        # Key: digits only, without the 852 country code (lib.normalize_phone).
        # Every customer but the oldest of a group gets an issue that points
        # to the oldest one, the natural target of a merge.
        return SQL(
            """WITH num AS (
                   SELECT DISTINCT p.id, p.retail_branch_id,
                          CASE WHEN length(d.n) = 11 AND left(d.n, 3) = '852'
                               THEN substr(d.n, 4) ELSE d.n END AS key
                     FROM res_partner p
                    CROSS JOIN LATERAL (VALUES (regexp_replace(p.phone, '\\D', '', 'g')),
                                               (regexp_replace(p.mobile, '\\D', '', 'g'))) d(n)
                    WHERE %s AND length(d.n) >= 8
               ), grp AS (
                   SELECT id, retail_branch_id, key, min(id) OVER (PARTITION BY key) AS first_id
                     FROM num
               )
               SELECT id, id, retail_branch_id, key, first_id
                 FROM grp WHERE id <> first_id""",
            CUSTOMER_WHERE,
        )

    def _dq_sql_dup_email(self):
        return SQL(
            """WITH em AS (
                   SELECT p.id, p.retail_branch_id, lower(btrim(p.email)) AS key,
                          min(p.id) OVER (PARTITION BY lower(btrim(p.email))) AS first_id
                     FROM res_partner p
                    WHERE %s AND COALESCE(btrim(p.email), '') <> ''
               )
               SELECT id, id, retail_branch_id, key, first_id FROM em WHERE id <> first_id""",
            CUSTOMER_WHERE,
        )

    def _dq_sql_dup_name(self):
        # Blocking key, so that the comparison scales to a million customers:
        # only customers of the same district are compared, and of those
        #  - with a birthday: the ones born on the same day and month;
        #  - without a birthday: the ones whose names (lower case, without
        #    spaces) start with the same 4 characters.
        # Two similar names with different birthdays are different people; a
        # typo in the first characters of a customer without birthday is
        # missed (the phone and email rules still catch most of those).
        threshold = self.threshold or 0.8
        return SQL(
            """WITH c AS (
                   SELECT p.id, p.retail_branch_id, p.district_id,
                          p.birthday_month AS m, p.birthday_day AS d,
                          lower(p.name) AS name,
                          left(lower(regexp_replace(p.name, '\\s', '', 'g')), 4) AS prefix
                     FROM res_partner p
                    WHERE %s AND p.district_id IS NOT NULL AND COALESCE(p.name, '') <> ''
               ), pairs AS (
                   SELECT b.id, b.retail_branch_id, a.id AS first_id, a.name AS first_name
                     FROM c a JOIN c b ON a.district_id = b.district_id AND a.m = b.m
                          AND a.d = b.d AND a.id < b.id
                    WHERE a.m > 0 AND a.d > 0 AND similarity(a.name, b.name) >= %s
                   UNION ALL
                   SELECT b.id, b.retail_branch_id, a.id, a.name
                     FROM c a JOIN c b ON a.district_id = b.district_id
                          AND a.prefix = b.prefix AND a.id < b.id
                    WHERE NOT (COALESCE(a.m, 0) > 0 AND COALESCE(a.d, 0) > 0)
                      AND NOT (COALESCE(b.m, 0) > 0 AND COALESCE(b.d, 0) > 0)
                      AND similarity(a.name, b.name) >= %s
               )
               SELECT DISTINCT ON (id) id, id, retail_branch_id, first_name, first_id
                 FROM pairs ORDER BY id, first_id""",
            CUSTOMER_WHERE,
            threshold,
            threshold,
        )

    def _order_line_query(self, condition, detail):
        return SQL(
            """SELECT l.id, o.partner_id, COALESCE(o.retail_branch_id, p.retail_branch_id),
                      %s, NULL::int
                 FROM sale_order_line l
                 JOIN sale_order o ON o.id = l.order_id
                 LEFT JOIN res_partner p ON p.id = o.partner_id
                WHERE o.state = 'sale' AND l.display_type IS NULL AND l.product_id IS NOT NULL
                  AND NOT COALESCE(l.is_downpayment, FALSE) AND (%s)""",
            detail,
            condition,
        )

    def _dq_sql_line_margin(self):
        return self._order_line_query(
            SQL("l.product_uom_qty > 0 AND l.margin <= 0"),
            SQL("concat(o.name, ': ', round(l.margin::numeric, 2))"),
        )

    def _dq_sql_line_below_cost(self):
        return self._order_line_query(
            SQL(
                "l.product_uom_qty > 0 AND "
                "l.price_unit * (1 - COALESCE(l.discount, 0) / 100.0) < l.purchase_price"
            ),
            SQL(
                "concat(o.name, ': ', round((l.price_unit * (1 - COALESCE(l.discount, 0) "
                "/ 100.0))::numeric, 2), ' < ', round(l.purchase_price::numeric, 2))"
            ),
        )

    def _dq_sql_line_discount(self):
        threshold = self.threshold or 30.0
        return self._order_line_query(
            SQL("l.discount > %s", threshold),
            SQL("concat(o.name, ': ', round(l.discount::numeric, 2), %s)", "%"),
        )

    def _order_query(self, condition):
        return SQL(
            """SELECT o.id, o.partner_id, COALESCE(o.retail_branch_id, p.retail_branch_id),
                      o.name, NULL::int
                 FROM sale_order o
                 LEFT JOIN res_partner p ON p.id = o.partner_id
                WHERE o.state = 'sale' AND (%s)""",
            condition,
        )

    def _dq_sql_order_no_customer(self):
        # partner_id is required, but orders imported or written in SQL may
        # point to no customer or to an archived (merged away) contact.
        return self._order_query(SQL("p.id IS NULL OR NOT p.active"))

    def _dq_sql_order_no_branch(self):
        return self._order_query(SQL("o.retail_branch_id IS NULL"))

    def _dq_sql_invoice_mismatch(self):
        # Expected untaxed amount of an invoice: for each of its lines linked
        # to order lines, the invoiced quantity at the order line's net unit
        # price. Partial invoices therefore match; a changed price, a line
        # that is not on the order or a missing line do not.
        tolerance = self.threshold or 1.0
        return SQL(
            """WITH linked AS (
                   SELECT aml.move_id,
                          sum(aml.quantity * sol.price_reduce_taxexcl) AS expected,
                          min(so.retail_branch_id) AS branch_id
                     FROM account_move_line aml
                     JOIN LATERAL (
                          SELECT min(r.order_line_id) AS order_line_id
                            FROM sale_order_line_invoice_rel r
                           WHERE r.invoice_line_id = aml.id) rel ON rel.order_line_id IS NOT NULL
                     JOIN sale_order_line sol ON sol.id = rel.order_line_id
                     JOIN sale_order so ON so.id = sol.order_id
                    WHERE aml.display_type = 'product'
                    GROUP BY aml.move_id
               )
               SELECT m.id, m.partner_id, COALESCE(linked.branch_id, p.retail_branch_id),
                      concat(m.name, ': ', round(m.amount_untaxed::numeric, 2), ' / ',
                             round(linked.expected::numeric, 2)),
                      NULL::int
                 FROM account_move m
                 JOIN linked ON linked.move_id = m.id
                 LEFT JOIN res_partner p ON p.id = m.partner_id
                WHERE m.move_type = 'out_invoice' AND m.state = 'posted'
                  AND abs(m.amount_untaxed - linked.expected) > %s""",
            tolerance,
        )

    # --- python checks ----------------------------------------------------------

    def _violation_batches(self):
        """Yield lists of violation rows of a Python check, reading the
        customers in batches of ``PHONE_BATCH_SIZE`` rows (keyset pagination)."""
        self.ensure_one()
        if self.check != "invalid_phone":
            raise UserError(_("Unknown data-quality check: %(check)s", check=self.check))
        cr = self.env.cr
        last_id = 0
        while True:
            cr.execute(
                SQL(
                    """SELECT p.id, p.phone, p.mobile, p.retail_branch_id
                         FROM res_partner p
                        WHERE %s AND p.id > %s
                          AND (COALESCE(p.phone, '') <> '' OR COALESCE(p.mobile, '') <> '')
                        ORDER BY p.id LIMIT %s""",
                    CUSTOMER_WHERE,
                    last_id,
                    dq.PHONE_BATCH_SIZE,
                )
            )
            rows = cr.fetchall()
            if not rows:
                return
            last_id = rows[-1][0]
            branches = {row[0]: row[3] for row in rows}
            yield [
                (pid, pid, branches[pid], detail, None)
                for pid, detail in dq.invalid_phone_rows(r[:3] for r in rows)
            ]
