from odoo import _, models

from ..report.ir_actions_report_pdf import inline_report_assets


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    def _prepare_html(self, html, report_model=False):
        """The suite's reports render without fetching from a server."""
        prepared = super()._prepare_html(html, report_model=report_model)
        return inline_report_assets(self, prepared)

    def _render_qweb_pdf(self, report_ref, res_ids=None, data=None):
        """Log PDF downloads of reports on personal-data models."""
        result = super()._render_qweb_pdf(report_ref, res_ids=res_ids, data=data)
        report = self._get_report(report_ref)
        personal = report.model == "crm.privacy.request" or self.env[
            "crm.privacy.field.classification"
        ]._is_personal_model(report.model)
        if res_ids and personal:
            ids = [res_ids] if isinstance(res_ids, int) else list(res_ids)
            self.env["crm.privacy.export.log"]._log_export(
                report.model,
                ids,
                [report.report_name],
                kind="report",
                purpose=_("Report: %(name)s", name=report.name),
            )
        return result
