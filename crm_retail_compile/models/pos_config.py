from odoo import fields, models


class PosConfig(models.Model):
    """A till belongs to a branch: its sessions, orders and payments follow
    the branch rules of that branch, and its sales are the branch's."""

    _name = "pos.config"
    _inherit = ["pos.config", "crm.branch.mixin"]

    retail_branch_id = fields.Many2one(
        help="The shop this point of sale belongs to: its sessions, orders and "
        "payments are that branch's, and only that branch's staff see them.",
    )

    def _get_limited_partner_count(self):
        """A till caches at most one page of customers when it opens (the
        most frequent ones of its cashier's branches): browsing, not an
        export, so opening a till never draws on the cashier's personal-data
        budget. Anyone else is found on the server by membership number,
        phone in any format or e-mail (Enter / "Search more")."""
        page = self.env["crm.privacy.export.log"]._get_read_page_size()
        return min(super()._get_limited_partner_count(), page - 1)
