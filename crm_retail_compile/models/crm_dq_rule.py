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
    # consent and notice gaps are summarised per branch (one issue per
    # branch with the number of customers): one issue per customer buried
    # the other rules under thousands of identical lines
    "no_consent": "crm.retail.branch",
    "no_pics": "crm.retail.branch",
    "line_margin": "sale.order.line",
    "line_below_cost": "sale.order.line",
    "line_discount": "sale.order.line",
    "order_no_customer": "sale.order",
    "order_no_branch": "sale.order",
    "invoice_mismatch": "account.move",
}
PYTHON_CHECKS = {"invalid_phone"}
BRANCH_SUMMARY_CHECKS = ("no_consent", "no_pics")
# The customer fields staff can correct from an issue (crm.dq.fix.wizard);
# the first is proposed.
FIX_FIELDS = {
    "no_contact": ("mobile", "phone", "email"),
    "no_district": ("district_id",),
    "invalid_phone": ("phone", "mobile"),
    "invalid_email": ("email",),
    "placeholder_name": ("name",),
}

# Customers the customer rules look at: active retail customers, except
# anonymised ones (their personal data was erased on purpose).
CUSTOMER_WHERE = SQL("p.is_retail_customer AND p.active AND NOT COALESCE(p.crm_anonymised, FALSE)")


def phone_key_of_digits(digits):
    """SQL of lib.data_quality.phone_key over the SQL ``digits`` (a number's
    digits only), from the same constants as the Python rule and the SQL
    function crm_phone_key."""
    return SQL(
        "CASE WHEN length(%(d)s) = %(n)s AND left(%(d)s, %(cc_len)s) = %(cc)s "
        "THEN right(%(d)s, %(local)s) ELSE %(d)s END",
        d=digits,
        n=dq.HK_INTERNATIONAL_DIGITS,
        cc_len=len(dq.HK_COUNTRY_CODE),
        cc=dq.HK_COUNTRY_CODE,
        local=dq.HK_LOCAL_DIGITS,
    )


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

    def _branch_summary_query(self, condition):
        """One row per branch (0 for the customers without one): the number
        of customers matching ``condition``, as the detail."""
        return SQL(
            """SELECT COALESCE(p.retail_branch_id, 0), NULL::int, p.retail_branch_id,
                      count(*)::varchar, NULL::int
                 FROM res_partner p
                WHERE %s AND (%s)
                GROUP BY p.retail_branch_id""",
            CUSTOMER_WHERE,
            condition,
        )

    def _dq_condition_no_consent(self):
        return SQL("NOT EXISTS (SELECT 1 FROM crm_privacy_consent c WHERE c.partner_id = p.id)")

    def _dq_condition_no_pics(self):
        # A notice is given when it is acknowledged (the register of notices
        # given) or referred to by a consent (a consent requires the version
        # of the notice the customer was given).
        return SQL(
            """NOT EXISTS (SELECT 1 FROM crm_privacy_pics_acknowledgement a
                            WHERE a.partner_id = p.id)
               AND NOT EXISTS (SELECT 1 FROM crm_privacy_consent c
                                WHERE c.partner_id = p.id AND c.pics_id IS NOT NULL)"""
        )

    def _dq_sql_no_consent(self):
        return self._branch_summary_query(self._dq_condition_no_consent())

    def _dq_sql_no_pics(self):
        return self._branch_summary_query(self._dq_condition_no_pics())

    def _summary_customer_ids(self, branch_id):
        """The customers counted by the branch summary of this rule."""
        self.ensure_one()
        if self.check not in BRANCH_SUMMARY_CHECKS:
            raise UserError(_("This rule is not summarised per branch."))
        condition = getattr(self, f"_dq_condition_{self.check}")()
        branch = (
            SQL("p.retail_branch_id = %s", branch_id)
            if branch_id
            else SQL("p.retail_branch_id IS NULL")
        )
        rows = self.env.execute_query(
            SQL(
                "SELECT p.id FROM res_partner p WHERE %s AND %s AND (%s)",
                CUSTOMER_WHERE,
                branch,
                condition,
            )
        )
        return [row[0] for row in rows]

    def _violates(self, res_id):
        """Whether the record ``res_id`` violates this rule now (the re-check
        after a fix): the rule's own query restricted to the record, which
        PostgreSQL pushes down into the query of the simple checks."""
        self.ensure_one()
        self.env.flush_all()
        if self.check == "invalid_phone":
            rows = self.env.execute_query(
                SQL("SELECT phone, mobile FROM res_partner WHERE id = %s", res_id)
            )
            return bool(rows and dq.invalid_phone_rows([(res_id, *rows[0])]))
        rows = self.env.execute_query(
            SQL(
                """SELECT 1 FROM (%s) AS v(res_id, partner_id, retail_branch_id, detail,
                                            related_partner_id)
                    WHERE v.res_id = %s LIMIT 1""",
                self._violation_query(),
                res_id,
            )
        )
        return bool(rows)

    # --- explanations -----------------------------------------------------------

    def _explain(self, detail, other_name="", branch_name=""):
        """(field, what is wrong, what good looks like) of a violation of
        this rule, in words, for the issue form."""
        self.ensure_one()
        detail = detail or ""
        phone_good = _(
            "a Hong Kong number of 8 digits starting with 2, 3, 5, 6, 7, 8 or 9, e.g. "
            "%(example)s, or a foreign number with + and its country code",
            example=dq.HK_PHONE_EXAMPLE,
        )
        explanations = {
            "no_contact": (
                _("Phone, mobile, e-mail"),
                _("The customer has no phone, no mobile and no e-mail: nobody can reach them."),
                _(
                    "At least one way to reach the customer, e.g. a mobile %(example)s.",
                    example=dq.HK_PHONE_EXAMPLE,
                ),
            ),
            "no_district": (
                _("District"),
                _("The district of residence is empty."),
                _("One of the 18 districts of Hong Kong, e.g. Wan Chai."),
            ),
            "no_consent": (
                _("Consents"),
                _(
                    "%(count)s customers of %(branch)s have no direct-marketing consent or "
                    "opt-out recorded.",
                    count=detail,
                    branch=branch_name,
                ),
                _("Ask each customer at their next visit and record their consent or opt-out."),
            ),
            "no_pics": (
                _("Collection notice"),
                _(
                    "%(count)s customers of %(branch)s were never given a collection notice "
                    "(PICS).",
                    count=detail,
                    branch=branch_name,
                ),
                _("Give the current collection notice and record that it was given."),
            ),
            "invalid_phone": (
                _("Phone, mobile"),
                _("%(value)s is not a valid phone number.", value=detail),
                phone_good,
            ),
            "invalid_email": (
                _("E-mail"),
                _("%(value)s is not a valid e-mail address.", value=detail),
                _("An address such as chan.taiman@example.com."),
            ),
            "placeholder_name": (
                _("Name"),
                _(
                    "The name %(value)s is a placeholder, not the customer's name.",
                    value=repr(detail),
                ),
                _("The customer's real name, e.g. Chan Tai Man."),
            ),
            "future_birthday": (
                _("Birthday"),
                _("The birthday %(value)s (year-month-day) is in the future.", value=detail),
                _("A past date; leave the year empty when the customer does not give it."),
            ),
            "dup_phone": (
                _("Phone, mobile"),
                _(
                    "The phone number %(value)s is also the number of %(other)s.",
                    value=detail,
                    other=other_name,
                ),
                _("One customer file per person: merge the duplicates or correct the number."),
            ),
            "dup_email": (
                _("E-mail"),
                _(
                    "The e-mail %(value)s is also the e-mail of %(other)s.",
                    value=detail,
                    other=other_name,
                ),
                _("One customer file per person: merge the duplicates or correct the e-mail."),
            ),
            "dup_name": (
                _("Name"),
                _(
                    "The name is very similar to %(value)s (%(other)s) in the same district.",
                    value=detail,
                    other=other_name,
                ),
                _("One customer file per person: merge them if they are the same person."),
            ),
            "line_margin": (
                _("Order line margin"),
                _("Order %(value)s: sold at zero or negative margin.", value=detail),
                _("A price above cost, or an approved exception."),
            ),
            "line_below_cost": (
                _("Order line price"),
                _("Order %(value)s: the net price is below the cost.", value=detail),
                _("A net unit price at or above the cost."),
            ),
            "line_discount": (
                _("Order line discount"),
                _(
                    "Order %(value)s: the discount is above %(max)s%%.",
                    value=detail,
                    max=self.threshold,
                ),
                _("A discount within the threshold, or an approved exception."),
            ),
            "order_no_customer": (
                _("Customer"),
                _("The confirmed order %(value)s has no (active) customer.", value=detail),
                _("The customer who bought, or the walk-in customer of the branch."),
            ),
            "order_no_branch": (
                _("Branch"),
                _("The confirmed order %(value)s belongs to no branch.", value=detail),
                _("The branch that made the sale."),
            ),
            "invoice_mismatch": (
                _("Invoice total"),
                _("Invoice %(value)s (untaxed / expected from the order).", value=detail),
                _("An invoice that matches the invoiced quantities at the order's prices."),
            ),
        }
        return explanations.get(self.check, ("", detail, ""))

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
        # Key: the phone key (lib.data_quality.phone_key), generated from
        # its constants over the digits extracted once per number.
        # Every customer but the oldest of a group gets an issue that points
        # to the oldest one, the natural target of a merge.
        return SQL(
            """WITH num AS (
                   SELECT DISTINCT p.id, p.retail_branch_id, %s AS key
                     FROM res_partner p
                    CROSS JOIN LATERAL (VALUES (regexp_replace(p.phone, '\\D', '', 'g')),
                                               (regexp_replace(p.mobile, '\\D', '', 'g'))) d(n)
                    WHERE %s AND length(d.n) >= %s
               ), grp AS (
                   SELECT id, retail_branch_id, key, min(id) OVER (PARTITION BY key) AS first_id
                     FROM num
               )
               SELECT id, id, retail_branch_id, key, first_id
                 FROM grp WHERE id <> first_id""",
            phone_key_of_digits(SQL("d.n")),
            CUSTOMER_WHERE,
            dq.HK_LOCAL_DIGITS,
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

    def _customer_scope(self):
        """The customers (``p``) a Python check reads: all of them."""
        return SQL("TRUE")

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
                        WHERE %s AND %s AND p.id > %s
                          AND (COALESCE(p.phone, '') <> '' OR COALESCE(p.mobile, '') <> '')
                        ORDER BY p.id LIMIT %s""",
                    CUSTOMER_WHERE,
                    self._customer_scope(),
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
