from odoo import api, fields, models

from ..lib import datasets


class CrmReportTemplate(models.Model):
    _inherit = "crm.report.template"

    dataset = fields.Selection(
        selection_add=[("reviews", "Product reviews")], ondelete={"reviews": "cascade"}
    )

    @api.model
    def _get_datasets(self):
        return {**super()._get_datasets(), **datasets.DATASETS}
