from odoo import _, api, fields, models, tools
from odoo.exceptions import AccessError
from odoo.tools import SQL

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
# A branch reached through a link (``partner_id.retail_branch_id``): a record
# whose link is empty belongs to no branch either (a dotted path alone would
# hide it, since ``('a.b', '=', False)`` means "a is set and its b is not").
BRANCH_RULE_DOMAIN_PATH = (
    "[(1, '=', 1)] if not user.retail_branch_scoped else "
    "['|', '|', ('{link}', '=', False), ('{field}', '=', False), "
    "('{field}', 'in', user.retail_branch_ids.ids)]"
)
# What identifies a branch rule among the record rules (all three domains)
BRANCH_RULE_MARKER = "user.retail_branch_ids"


def computed_branch_field():
    """The stored branch of a record whose branch follows another record's
    (an order's, a customer's), for its branch rule: the model defines
    ``_compute_retail_branch_id``."""
    return fields.Many2one(
        "crm.retail.branch",
        string="Branch",
        compute="_compute_retail_branch_id",
        store=True,
        index=True,
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
        if partner_ids - set(partners.ids):
            # another branch's customer (or no customer at all): refused, by
            # the same message as any other link the user cannot read
            raise self._retail_branch_link_error(self._fields[partner_field])
        branches = {p.id: p.retail_branch_id.id for p in partners}
        for vals in vals_list:
            if not vals.get("retail_branch_id") and branches.get(vals.get(partner_field)):
                vals["retail_branch_id"] = branches[vals[partner_field]]

    @api.model
    def _install_branch_rule(
        self, module, model_name, field_name="retail_branch_id", strict=False, optional=False
    ):
        """Create or update the global branch rule of ``model_name``.

        Called from module data, so the rule gets the xml id
        ``<module>.<model>_rule_branch`` and is removed when the module is
        uninstalled, like a rule declared in XML. ``strict``: records without
        a branch are hidden from branch-scoped users too. A dotted
        ``field_name`` (``partner_id.retail_branch_id``) reaches the branch
        through a link; a record with an empty link belongs to no branch.
        ``optional``: the model belongs to a module the suite does not depend
        on (an auto-installed one); skipped when it is not installed.
        """
        if optional and model_name not in self.env:
            return False
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
                        "domain_force": self._retail_branch_rule_domain(field_name, strict),
                        "groups": [(6, 0, [])],
                    },
                }
            ],
            update=True,
        )
        return True

    @api.model
    def _retail_branch_rule_domain(self, field_name, strict=False):
        if strict:
            return BRANCH_RULE_DOMAIN_STRICT.format(field=field_name)
        if "." in field_name:
            return BRANCH_RULE_DOMAIN_PATH.format(
                link=field_name.rsplit(".", 1)[0], field=field_name
            )
        return BRANCH_RULE_DOMAIN.format(field=field_name)

    @api.model
    @tools.ormcache()
    def _retail_branch_ruled_models(self):
        """Names of the models that carry a branch rule, read from the active
        record rules (those installed by :meth:`_install_branch_rule`).

        Cached per registry; creating or changing a rule clears the cache."""
        rows = self.env.execute_query(
            SQL(
                """SELECT DISTINCT m.model FROM ir_rule r
                   JOIN ir_model m ON m.id = r.model_id
                   WHERE r.active AND r.perm_read AND r.domain_force LIKE %s""",
                f"%{BRANCH_RULE_MARKER}%",
            )
        )
        return frozenset(model for (model,) in rows if model in self.env.registry)

    @api.model
    def _retail_branch_link_error(self, field, model=None):
        """The refusal of a link to a record the user cannot read. It names
        the field, never the record (its name is what must not leak)."""
        model = model if model is not None else self
        return AccessError(
            _(
                "You cannot set %(field)s (%(name)s) of %(model)s to this record: it "
                "belongs to another branch or is not accessible to you.",
                field=field.string,
                name=field.name,
                model=model._description,
            )
        )
