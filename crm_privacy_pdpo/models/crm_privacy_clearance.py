from odoo import api, fields, models

from .crm_privacy_field_classification import SENSITIVITY_LEVELS, SENSITIVITY_RANK


class CrmPrivacyClearance(models.Model):
    """Highest sensitivity level that the members of a group may see."""

    _name = "crm.privacy.clearance"
    _description = "Privacy Clearance"
    _order = "sensitivity desc, id"

    group_id = fields.Many2one("res.groups", required=True, ondelete="cascade")
    sensitivity = fields.Selection(SENSITIVITY_LEVELS, required=True, default="internal")

    _sql_constraints = [
        ("group_uniq", "unique(group_id)", "A group has only one clearance."),
    ]

    @api.model
    def _get_clearance_cap(self, user):
        """Sensitivity above which ``user`` may not read classified fields
        anywhere (not only in reports), or ``None`` for no cap.

        Hook: crm_retail_compile caps department analysts at their
        department's clearance."""
        return False

    @api.model
    def _get_clearance_for_groups(self, group_ids):
        """Highest level granted to ``group_ids``; internal users default to 'internal'."""
        internal = self.env.ref("base.group_user").id
        best = "internal" if internal in group_ids else "public"
        for clearance in self.sudo().search([("group_id", "in", list(group_ids))]):
            if SENSITIVITY_RANK[clearance.sensitivity] > SENSITIVITY_RANK[best]:
                best = clearance.sensitivity
        return best
