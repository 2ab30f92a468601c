from odoo import fields, models


class CrmPrivacyConsent(models.Model):
    """Where a consent was given in store: the branch of the till that
    recorded it (the customer's own branch may be another one). Set by the
    till's own code (res_partner_pos.py) from the till's branch: no client
    can claim a branch (system-set field)."""

    _inherit = "crm.privacy.consent"

    recorded_branch_id = fields.Many2one(
        "crm.retail.branch",
        string="Recorded At Branch",
        ondelete="restrict",
        index="btree_not_null",
        readonly=True,
        crm_system=True,
        help="The shop where the customer gave or withdrew this consent at the counter.",
    )
