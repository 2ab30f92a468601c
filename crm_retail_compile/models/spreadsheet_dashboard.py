from odoo import fields, models


class SpreadsheetDashboard(models.Model):
    """Department dashboards: a dashboard with a Retail CRM department is
    shown only to that department's members, Retail CRM administrators and
    dashboard administrators (global rule ``spreadsheet_dashboard_rule_crm_department``
    in the security XML). Its figures are computed by ``read_group`` as the
    user, so the branch rules apply to every pivot, list and chart."""

    _inherit = "spreadsheet.dashboard"

    crm_department_id = fields.Many2one(
        "crm.retail.department",
        string="Retail CRM Department",
        index=True,
        ondelete="restrict",
        help="Only the members of this department (and the Retail CRM and dashboard "
        "administrators) see the dashboard. Empty: Odoo's own rule (Access Groups) alone.",
    )

    def get_readonly_dashboard(self):
        # a dashboard the user may not read gets a clear AccessError, not an
        # empty snapshot that fails to parse
        self.check_access("read")
        return super().get_readonly_dashboard()
