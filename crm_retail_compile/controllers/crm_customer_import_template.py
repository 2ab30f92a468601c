from odoo import fields, http
from odoo.exceptions import AccessError
from odoo.http import content_disposition, request

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class CrmCustomerImportTemplate(http.Controller):
    @http.route(
        "/crm_retail_compile/customer_import_template",
        type="http",
        auth="user",
        methods=["GET"],
    )
    def customer_import_template(self, **kwargs):
        """The customer import template (XLSX), for the roles that import."""
        try:
            data = request.env["crm.customer.import"]._template_file()
        except AccessError:
            raise request.not_found() from None
        name = f"customer_import_template_{fields.Date.context_today(request.env.user)}.xlsx"
        return request.make_response(
            data,
            headers=[
                ("Content-Type", XLSX_MIMETYPE),
                ("Content-Disposition", content_disposition(name)),
                ("Cache-Control", "no-store"),
            ],
        )
