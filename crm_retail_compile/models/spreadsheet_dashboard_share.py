from odoo import _, api, models
from odoo.exceptions import AccessError


class SpreadsheetDashboardShare(models.Model):
    """Public links to a frozen copy of a dashboard: refused for the Retail
    CRM dashboards and for branch-scoped users. A shared copy is served to
    anyone holding the link, outside the branch rules and the personal-data
    budget."""

    _inherit = "spreadsheet.dashboard.share"

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            ids = [vals["dashboard_id"] for vals in vals_list if vals.get("dashboard_id")]
            dashboards = self.env["spreadsheet.dashboard"].sudo().browse(ids).exists()
            group = self.env.ref(
                "crm_retail_compile.spreadsheet_dashboard_group_retail_crm",
                raise_if_not_found=False,
            )
            retail = dashboards.filtered(
                lambda d: d.crm_department_id or (group and d.dashboard_group_id == group)
            )
            if retail or (dashboards and self.env.user.retail_branch_scoped):
                raise AccessError(
                    _(
                        "Retail CRM dashboards cannot be shared by public link: their figures "
                        "come from customer data under the branch rules. Colleagues of the "
                        "department open the dashboard in Retail CRM > Dashboards."
                    )
                )
        return super().create(vals_list)
