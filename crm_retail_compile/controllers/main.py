from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request


class CrmReportController(http.Controller):
    @http.route(
        "/crm_retail_compile/report/<int:run_id>/<string:fmt>",
        type="http",
        auth="user",
        methods=["GET"],
    )
    def download(self, run_id, fmt, **kwargs):
        """Download a report output: access checked, download logged."""
        run = request.env["crm.report.run"].browse(run_id)
        try:
            attachment = run._get_output(fmt)
        except (AccessError, MissingError, UserError):
            raise request.not_found() from None
        stream = request.env["ir.binary"]._get_stream_from(attachment)
        return stream.get_response(as_attachment=True)
