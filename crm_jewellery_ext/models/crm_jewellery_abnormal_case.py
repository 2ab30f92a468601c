from odoo import _, api, fields, models
from odoo.exceptions import UserError

CASE_MODELS = [
    ("account.move", "Invoice"),
    ("sale.order", "Sale Order"),
    ("account.payment", "Payment"),
]


class CrmJewelleryAbnormalCase(models.Model):
    """An abnormal invoice, order or payment waiting for review."""

    _name = "crm.jewellery.abnormal.case"
    _description = "Abnormal Invoice Case"
    _inherit = ["mail.thread", "mail.activity.mixin", "crm.branch.mixin"]
    _order = "date_detected desc, id desc"

    # what the scan found and the review's outcome are set by the system
    # (the scan, the buttons): crm_system
    name = fields.Char(string="Reference", required=True, readonly=True, crm_system=True)
    rule_id = fields.Many2one(
        "crm.jewellery.abnormal.rule",
        required=True,
        ondelete="restrict",
        index=True,
        readonly=True,
        crm_system=True,
    )
    rule_code = fields.Selection(related="rule_id.code", store=True)
    res_model = fields.Selection(
        CASE_MODELS, string="Document Type", required=True, readonly=True, crm_system=True
    )
    res_id = fields.Integer(
        string="Document ID", required=True, readonly=True, index=True, crm_system=True
    )
    record_ref = fields.Reference(
        selection=CASE_MODELS, string="Document", compute="_compute_record_ref"
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", readonly=True, index=True, crm_system=True
    )
    retail_branch_id = fields.Many2one(readonly=True, crm_system=True)
    amount = fields.Monetary(currency_field="currency_id", readonly=True, crm_system=True)
    measure = fields.Float(
        readonly=True,
        help="What the rule measured: discount %, days overdue, order amount...",
        crm_system=True,
    )
    currency_id = fields.Many2one(
        "res.currency", default=lambda self: self.env.company.currency_id, readonly=True
    )
    state = fields.Selection(
        [("open", "Open"), ("resolved", "Resolved"), ("justified", "Justified")],
        default="open",
        required=True,
        readonly=True,
        tracking=True,
        index=True,
        crm_system=True,
    )
    justification = fields.Text(tracking=True)
    reviewer_id = fields.Many2one("res.users", readonly=True, tracking=True, crm_system=True)
    date_detected = fields.Datetime(
        default=fields.Datetime.now, readonly=True, index=True, crm_system=True
    )
    date_closed = fields.Datetime(readonly=True, crm_system=True)
    case_count = fields.Integer(default=1, aggregator="sum", readonly=True, crm_system=True)

    _sql_constraints = [
        (
            "rule_record_uniq",
            "unique(rule_id, res_model, res_id)",
            "This document is already flagged by this rule.",
        )
    ]

    @api.depends("res_model", "res_id")
    def _compute_record_ref(self):
        for case in self:
            case.record_ref = f"{case.res_model},{case.res_id}" if case.res_id else False

    def action_open_document(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
        }

    def action_resolve(self):
        """The document was corrected."""
        self._check_open()
        self.check_access("write")
        return self._crm_system_write().write(
            {"state": "resolved", "reviewer_id": self.env.uid, "date_closed": fields.Datetime.now()}
        )

    def action_justify(self):
        """The document is right as it is: a justification is required."""
        self._check_open()
        if any(not (case.justification or "").strip() for case in self):
            raise UserError(_("Write down why the document is justified before closing the case."))
        self.check_access("write")
        return self._crm_system_write().write(
            {
                "state": "justified",
                "reviewer_id": self.env.uid,
                "date_closed": fields.Datetime.now(),
            }
        )

    def action_reopen(self):
        self.check_access("write")
        return self._crm_system_write().write({"state": "open", "date_closed": False})

    def _check_open(self):
        if any(case.state != "open" for case in self):
            raise UserError(_("Only open cases can be closed."))

    @api.model
    def _create_from_rows(self, rows):
        """Cases from scan rows (rule, model, id, partner, branch, amount,
        measure); cash cases also put the customer under due diligence."""
        if not rows:
            return self.browse()
        names = {}
        for model in {row[1] for row in rows}:
            ids = [row[2] for row in rows if row[1] == model]
            names.update(
                {(model, r.id): r.display_name for r in self.env[model].sudo().browse(ids)}
            )
        vals_list = [
            {
                "name": f"{rule.name}: {names[(model, res_id)]}",
                "rule_id": rule.id,
                "res_model": model,
                "res_id": res_id,
                "partner_id": partner_id,
                "retail_branch_id": branch_id,
                "amount": amount,
                "measure": measure,
            }
            for rule, model, res_id, partner_id, branch_id, amount, measure in rows
        ]
        cases = self.sudo().create(vals_list)
        cash = cases.filtered(lambda c: c.rule_code == "cash_cdd")
        if cash:
            self._flag_due_diligence(cash)
        return cases

    @api.model
    def _flag_due_diligence(self, cases):
        """Cash of HK$120,000 or more: customer due diligence and an AML
        record-keeping hold on the customer's data."""
        partners = cases.partner_id.commercial_partner_id
        if not partners:
            return
        partners.sudo().write({"cdd_required": True})
        Hold = self.env["crm.privacy.legal.hold"].sudo()
        if "aml" not in dict(Hold._fields["reason"].selection):
            return
        held = Hold.search([("partner_id", "in", partners.ids), ("reason", "=", "aml")])
        held = set(held.filtered("is_active").partner_id.ids)
        vals_list = []
        for case in cases:
            partner = case.partner_id.commercial_partner_id
            if partner and partner.id not in held:
                held.add(partner.id)
                vals_list.append(
                    {
                        "partner_id": partner.id,
                        "reason": "aml",
                        "description": _(
                            "Cash transaction of %(amount)s: customer due diligence and "
                            "record keeping (AMLO, dealers in precious metals and stones).",
                            amount=case.amount,
                        ),
                        "source_ref": case.name,
                    }
                )
        Hold.create(vals_list)
