from odoo import api, models

from .res_users import UNSCOPED_GROUPS

ANALYST_GROUP = "crm_retail_compile.group_department_analyst"


class CrmPrivacyClearance(models.Model):
    _inherit = "crm.privacy.clearance"

    @api.model
    def _get_clearance_cap(self, user):
        """A department analyst reads classified fields (customers' contact
        details...) only up to its department's clearance, everywhere: the
        same ceiling as its department's reports. Administrators and privacy
        officers (who also hold the analyst group) are not capped."""
        cap = super()._get_clearance_cap(user)
        if not user._has_group(ANALYST_GROUP) or any(user._has_group(g) for g in UNSCOPED_GROUPS):
            return cap
        clearance = user.sudo().retail_department_id.clearance or "internal"
        return clearance if not cap else min(cap, clearance, key=self._clearance_rank)

    @api.model
    def _clearance_rank(self, level):
        return [code for code, _label in self._fields["sensitivity"].selection].index(level)
