from odoo import models


class CrmDqScanLine(models.Model):
    _inherit = "crm.dq.scan.line"  # pylint: disable=consider-merging-classes-inherited

    def action_view_import_issues(self):
        """From a customer import's data-quality tab: the open issues of
        this rule among the import's customers."""
        self.ensure_one()
        record = self.env["crm.customer.import"].search(
            [("dq_scan_id", "=", self.scan_id.id)], limit=1
        )
        if not record:
            return self.rule_id.action_view_issues()
        action = record.action_view_issues()
        action["domain"] = record._dq_issue_domain(self.rule_id)
        action["context"] = {}
        return action
