from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

UNSCOPED_GROUPS = (
    "crm_retail_compile.group_retail_admin",
    "crm_privacy_pdpo.group_privacy_officer",
)
SCOPED_GROUPS = (
    "crm_retail_compile.group_branch_staff",
    "crm_retail_compile.group_department_analyst",
)


class ResUsers(models.Model):
    _inherit = "res.users"

    retail_branch_ids = fields.Many2many(
        "crm.retail.branch",
        "crm_retail_branch_res_users_rel",
        "user_id",
        "branch_id",
        string="Allowed Branches",
        help="Branch staff, branch managers and analysts see the customers, "
        "leads and orders of these branches only.",
    )
    retail_branch_id = fields.Many2one(
        "crm.retail.branch",
        string="Default Branch",
        help="Branch given to the customers, leads and orders this user creates.",
    )
    retail_department_id = fields.Many2one("crm.retail.department", string="Department", index=True)
    retail_branch_scoped = fields.Boolean(
        compute="_compute_retail_branch_scoped",
        help="Technical: the user's access is limited to the allowed branches.",
    )

    @api.depends("groups_id", "retail_branch_ids")
    def _compute_retail_branch_scoped(self):
        for user in self:
            scoped = any(user.has_group(g) for g in SCOPED_GROUPS) or (
                # integration users are limited to branches when given some
                user.has_group("crm_retail_compile.group_integration")
                and bool(user.retail_branch_ids)
            )
            user.retail_branch_scoped = scoped and not any(
                user.has_group(g) for g in UNSCOPED_GROUPS
            )

    @api.constrains("retail_branch_id", "retail_branch_ids")
    def _check_retail_default_branch(self):
        for user in self:
            if user.retail_branch_id and user.retail_branch_id not in user.retail_branch_ids:
                raise ValidationError(
                    _(
                        "The default branch of %(user)s must be one of the allowed branches.",
                        user=user.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("retail_branch_id") and not vals.get("retail_branch_ids"):
                vals["retail_branch_ids"] = [(4, vals["retail_branch_id"])]
        return super().create(vals_list)

    def write(self, vals):
        res = super().write(vals)
        if {"retail_branch_ids", "retail_branch_id", "retail_department_id"} & set(vals):
            # record rules are cached per user; branch scope just changed
            self.env.registry.clear_cache()
        return res
