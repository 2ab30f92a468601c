from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .crm_dq_rule import BRANCH_SUMMARY_CHECKS, FIX_FIELDS, SEVERITIES

STATES = [("open", "Open"), ("resolved", "Resolved"), ("ignored", "Ignored")]
RESOLUTIONS = [("staff", "Corrected by staff"), ("customer_portal", "Customer via portal")]


class CrmDqIssue(models.Model):
    """A record that violates a data-quality rule.

    Issues are created, refreshed and resolved in bulk by ``crm.dq.scan``
    (set-based SQL). Each issue explains itself (field, what is wrong, what
    good looks like); users correct the customer in place (``action_fix``,
    crm.dq.fix.wizard), open the record, ignore the issue or merge
    duplicates. Consent and notice gaps are one issue per branch, whose
    customers ``action_view_customers`` lists.
    """

    _name = "crm.dq.issue"
    _inherit = ["crm.branch.mixin"]
    _description = "Data Quality Issue"
    _order = "first_seen desc, id desc"
    _rec_name = "rule_id"

    # Few indexes on purpose: a scan inserts or refreshes up to one row per
    # customer and rule; the partial indexes of init() serve the scan.
    rule_id = fields.Many2one("crm.dq.rule", required=True, ondelete="cascade")
    category = fields.Selection(related="rule_id.category", store=True)
    # what the scan found, and the state it sets, are system-set
    # (crm_system): users change the state with the buttons only
    severity = fields.Selection(SEVERITIES, required=True, readonly=True, crm_system=True)
    res_model = fields.Char(string="Model", required=True, readonly=True, crm_system=True)
    res_id = fields.Many2oneReference(
        string="Record ID",
        model_field="res_model",
        required=True,
        readonly=True,
        crm_system=True,
    )
    reference = fields.Reference(
        selection="_selection_reference", string="Record", compute="_compute_reference"
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        index=True,
        ondelete="set null",
        readonly=True,
        crm_system=True,
    )
    related_partner_id = fields.Many2one(
        "res.partner",
        string="Duplicate Of",
        ondelete="set null",
        readonly=True,
        crm_system=True,
        help="For duplicates: the older customer this one duplicates.",
    )
    retail_branch_id = fields.Many2one(readonly=True, crm_system=True)
    state = fields.Selection(STATES, required=True, default="open", readonly=True, crm_system=True)
    detail = fields.Char(readonly=True, crm_system=True)
    first_seen = fields.Datetime(readonly=True, crm_system=True)
    last_seen = fields.Datetime(
        string="Last Changed",
        readonly=True,
        crm_system=True,
        help="When a scan last found this violation with different details (or first found "
        "it). Unchanged issues are not rewritten by the daily scan.",
    )
    last_check_date = fields.Datetime(
        related="rule_id.last_check_date",
        help="When the rule was last checked: an open issue still violated it then.",
    )
    resolved_date = fields.Datetime(readonly=True, crm_system=True)
    resolution = fields.Selection(
        RESOLUTIONS,
        readonly=True,
        crm_system=True,
        help="Who corrected the record (empty: a scan found it no longer violates the rule).",
    )
    # requests to the customer about this issue (crm.dq.request)
    dq_request_ids = fields.Many2many(
        "crm.dq.request",
        "crm_dq_request_issue_rel",
        "issue_id",
        "request_id",
        string="Customer Requests",
        readonly=True,
        crm_system=True,
    )
    dq_request_state = fields.Selection(related="dq_request_ids.state", string="Customer Request")
    explanation_field = fields.Char(string="Field", compute="_compute_explanation")
    explanation_problem = fields.Text(string="What Is Wrong", compute="_compute_explanation")
    explanation_good = fields.Text(string="What Good Looks Like", compute="_compute_explanation")
    can_fix = fields.Boolean(compute="_compute_explanation")
    is_branch_summary = fields.Boolean(compute="_compute_explanation")

    @api.depends("rule_id", "detail", "related_partner_id", "retail_branch_id", "state")
    def _compute_explanation(self):
        for issue in self:
            rule = issue.rule_id
            if not rule:
                issue.explanation_field = issue.explanation_problem = False
                issue.explanation_good = False
                issue.can_fix = issue.is_branch_summary = False
                continue
            # the duplicate's name only when the user may read it (no sudo)
            other = issue.related_partner_id
            other_name = (
                other.display_name if other and other.has_access("read") else _("another customer")
            )
            field, problem, good = rule._explain(
                issue.detail,
                other_name=other_name,
                branch_name=issue.retail_branch_id.display_name or _("no branch"),
            )
            issue.explanation_field = field
            issue.explanation_problem = problem
            issue.explanation_good = good
            issue.is_branch_summary = rule.check in BRANCH_SUMMARY_CHECKS
            issue.can_fix = (
                issue.state == "open"
                and issue.res_model == "res.partner"
                and rule.check in FIX_FIELDS
            )

    def init(self):
        # At most one open issue per rule and record.
        self.env.cr.execute(
            """CREATE UNIQUE INDEX IF NOT EXISTS crm_dq_issue_open_uniq
               ON crm_dq_issue (rule_id, res_model, res_id) WHERE state = 'open'"""
        )
        # The scan looks up the open (and ignored) issues of a rule.
        self.env.cr.execute(
            """CREATE INDEX IF NOT EXISTS crm_dq_issue_rule_pending_idx
               ON crm_dq_issue (rule_id, res_id) WHERE state IN ('open', 'ignored')"""
        )

    @api.model
    def _selection_reference(self):
        models_ = [
            "res.partner",
            "sale.order",
            "sale.order.line",
            "account.move",
            "crm.retail.branch",
        ]
        return [(m, self.env[m]._description) for m in models_ if m in self.env]

    @api.depends("res_model", "res_id")
    def _compute_reference(self):
        existing = {}
        for res_model in set(self.mapped("res_model")):
            if res_model in self.env:
                ids = self.filtered(lambda i, m=res_model: i.res_model == m).mapped("res_id")
                existing[res_model] = set(
                    self.env[res_model]
                    .sudo()
                    .with_context(active_test=False)
                    .browse(ids)
                    .exists()
                    .ids
                )
        for issue in self:
            if issue.res_id in existing.get(issue.res_model, ()):
                issue.reference = f"{issue.res_model},{issue.res_id}"
            else:
                issue.reference = False

    def action_open_record(self):
        self.ensure_one()
        if not self.reference:
            raise UserError(_("The record of this issue no longer exists."))
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
            "target": "current",
        }

    def action_fix(self):
        """Correct the customer's field in place (crm.dq.fix.wizard)."""
        self.ensure_one()
        if not self.can_fix:
            raise UserError(_("This issue cannot be corrected here: open the record."))
        self.check_access("read")
        wizard = self.env["crm.dq.fix.wizard"].create({"issue_id": self.id})
        return {
            "type": "ir.actions.act_window",
            "name": _("Correct: %(rule)s", rule=self.rule_id.name),
            "res_model": wizard._name,
            "res_id": wizard.id,
            "view_mode": "form",
            "target": "new",
        }

    def action_view_customers(self):
        """The customers counted by a branch summary (consent, notice)."""
        self.ensure_one()
        if not self.is_branch_summary:
            raise UserError(_("Only branch summaries list customers."))
        self.check_access("read")
        ids = self.rule_id._summary_customer_ids(self.retail_branch_id.id)
        return {
            "type": "ir.actions.act_window",
            "name": self.rule_id.name,
            "res_model": "res.partner",
            "view_mode": "list,form",
            "domain": [("id", "in", ids)],
            "context": {"create": False},
        }

    def _resolve_if_fixed(self, resolution="staff"):
        """Re-check the rule on the issue's record; resolve the issue when it
        no longer violates. Return whether it was resolved."""
        self.ensure_one()
        if self.rule_id._violates(self.res_id):
            return False
        self._crm_system_write().write(
            {"state": "resolved", "resolved_date": fields.Datetime.now(), "resolution": resolution}
        )
        return True

    def action_ask_customer(self):
        """Ask the customers of the selected issues to supplement their data
        (one crm.dq.request per customer, e-mail or SMS)."""
        Request = self.env["crm.dq.request"]
        requests, skipped = Request._ask_customers(self.partner_id)
        return Request._notify_result(requests, skipped)

    def action_ignore(self):
        """Accept the issues as they are: later scans keep them ignored while
        the record still violates the rule."""
        issues = self.filtered(lambda i: i.state == "open")
        issues.check_access("write")
        issues._crm_system_write().write({"state": "ignored"})
        return True

    def action_reopen(self):
        issues = self.filtered(lambda i: i.state == "ignored")
        issues.check_access("write")
        issues._crm_system_write().write({"state": "open"})
        return True

    def action_merge(self):
        """Open Odoo's partner merge wizard with the two duplicate customers.

        The older customer is proposed as the one to keep; the merge keeps
        the history (orders, messages, consents move to the kept customer)
        and the next scan resolves the issue.
        """
        self.ensure_one()
        if self.category != "duplicate" or self.res_model != "res.partner":
            raise UserError(_("Only duplicate customers can be merged."))
        partners = (
            self.env["res.partner"].browse([self.res_id, self.related_partner_id.id]).exists()
        )
        if len(partners) < 2:
            raise UserError(_("One of the duplicates no longer exists: run a new scan."))
        wizard = (
            self.env["base.partner.merge.automatic.wizard"]
            .with_context(active_model="res.partner", active_ids=partners.ids)
            .create({"dst_partner_id": self.related_partner_id.id})
        )
        return {
            "type": "ir.actions.act_window",
            "name": _("Merge Duplicates"),
            "res_model": wizard._name,
            "res_id": wizard.id,
            "view_mode": "form",
            "target": "new",
        }
