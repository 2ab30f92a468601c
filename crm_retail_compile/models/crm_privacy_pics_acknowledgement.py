from odoo import fields, models


class CrmPrivacyPicsAcknowledgement(models.Model):
    """The branch where the collection notice was given (DPP1)."""

    _name = "crm.privacy.pics.acknowledgement"
    _inherit = ["crm.privacy.pics.acknowledgement", "crm.branch.mixin"]

    retail_branch_id = fields.Many2one(string="Branch Given At")
