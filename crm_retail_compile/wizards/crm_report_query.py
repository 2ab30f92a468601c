from odoo import _, api, fields, models
from odoo.exceptions import UserError


class CrmReportQuery(models.TransientModel):
    """The query tool: pick a template, adjust period and branches, run."""

    _name = "crm.report.query"
    _description = "Report Query Tool"

    template_id = fields.Many2one("crm.report.template", required=True)
    purpose = fields.Text(related="template_id.purpose")
    timeliness = fields.Selection(related="template_id.timeliness")
    detail = fields.Selection(related="template_id.detail")
    date_from = fields.Date()
    date_to = fields.Date()
    branch_ids = fields.Many2many(
        "crm.retail.branch", string="Branches", help="Empty: all the branches you may see."
    )

    @api.onchange("template_id")
    def _onchange_template_id(self):
        if self.template_id:
            self.date_from, self.date_to = self.template_id._get_date_bounds()

    def action_run(self):
        self.ensure_one()
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise UserError(_("The period starts after it ends."))
        run = self.env["crm.report.run"]._create_for_template(
            self.template_id,
            date_from=self.date_from,
            date_to=self.date_to,
            branches=self.branch_ids,
        )
        run.action_run()
        if run.state == "done" and run.has_lines:
            return run.action_view_lines()
        return {
            "type": "ir.actions.act_window",
            "res_model": "crm.report.run",
            "res_id": run.id,
            "view_mode": "form",
            "target": "current",
        }
