from odoo import api, fields, models

# The branch rule every branch-scoped model shares. Users that are not
# branch-scoped (administrators, privacy officers, users outside the Retail
# CRM roles) see everything; branch-scoped users see records of their allowed
# branches and records that belong to no branch (companies, vendors, users).
BRANCH_RULE_DOMAIN = (
    "[(1, '=', 1)] if not user.retail_branch_scoped else "
    "['|', ('{field}', '=', False), ('{field}', 'in', user.retail_branch_ids.ids)]"
)
# Figures (events, profit) without a branch belong to no branch's staff.
BRANCH_RULE_DOMAIN_STRICT = (
    "[(1, '=', 1)] if not user.retail_branch_scoped else "
    "[('{field}', 'in', user.retail_branch_ids.ids)]"
)


class CrmBranchMixin(models.AbstractModel):
    """Give a model a branch, defaulted from the user, and the branch rule.

    A model that inherits this mixin gets its record rule from one line in
    its module's security XML::

        <function model="crm.branch.mixin" name="_install_branch_rule"
                  eval="['my_module', 'my.model']"/>
    """

    _name = "crm.branch.mixin"
    _description = "Branch-scoped record"

    retail_branch_id = fields.Many2one(
        "crm.retail.branch",
        string="Branch",
        index=True,
        ondelete="restrict",
        default=lambda self: self._default_retail_branch_id(),
    )

    @api.model
    def _default_retail_branch_id(self):
        return self.env.user.retail_branch_id

    @api.model
    def _retail_branch_from_partner(self, vals_list, partner_field="partner_id"):
        """A record created without a branch by a user without a default
        branch (an integration user, say) takes the customer's home branch."""
        if self.env.user.retail_branch_id:
            return
        partner_ids = {
            vals[partner_field]
            for vals in vals_list
            if not vals.get("retail_branch_id")
            and isinstance(vals.get(partner_field), int)
            and not isinstance(vals[partner_field], bool)  # False: no customer
        }
        if not partner_ids:
            return
        # one query for the branch only: reading a field of an uncached
        # partner would fetch its 150 other columns too (11 ms a lead or
        # order created one by one)
        Partner = self.env["res.partner"].with_context(active_test=False)
        partners = Partner.search_fetch([("id", "in", list(partner_ids))], ["retail_branch_id"])
        hidden = Partner.browse(partner_ids - set(partners.ids)).exists()
        if hidden:
            hidden.check_access("read")  # another branch's customer: refused
        branches = {p.id: p.retail_branch_id.id for p in partners}
        for vals in vals_list:
            if not vals.get("retail_branch_id") and branches.get(vals.get(partner_field)):
                vals["retail_branch_id"] = branches[vals[partner_field]]

    @api.model
    def _install_branch_rule(self, module, model_name, field_name="retail_branch_id", strict=False):
        """Create or update the global branch rule of ``model_name``.

        Called from module data, so the rule gets the xml id
        ``<module>.<model>_rule_branch`` and is removed when the module is
        uninstalled, like a rule declared in XML. ``strict``: records without
        a branch are hidden from branch-scoped users too.
        """
        model = self.env["ir.model"]._get(model_name)
        xml_id = "{}.{}_rule_branch".format(module, model_name.replace(".", "_"))
        self.env["ir.rule"]._load_records(
            [
                {
                    "xml_id": xml_id,
                    "noupdate": False,
                    "values": {
                        "name": f"{model.name}: allowed branches",
                        "model_id": model.id,
                        "domain_force": (
                            BRANCH_RULE_DOMAIN_STRICT if strict else BRANCH_RULE_DOMAIN
                        ).format(field=field_name),
                        "groups": [(6, 0, [])],
                    },
                }
            ],
            update=True,
        )
        return True
