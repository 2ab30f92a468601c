from collections import defaultdict

from odoo import api, models, tools
from odoo.fields import Command

LINK_COMMANDS = (Command.LINK, Command.SET)


class Base(models.AbstractModel):
    """Links respect branches, for every model (like ``check_company``).

    A branch-scoped user cannot create or write a record whose many2one or
    many2many values point to a record of a branch-ruled model (customers,
    leads, orders, invoices, ...) that the user cannot read: otherwise the
    link, its display name and the fields computed or related through it
    would show another branch's customer. The check runs before the write,
    so nothing is written; it costs nothing for users that are not
    branch-scoped or values without such links, and one query per linked
    model otherwise.
    """

    _inherit = "base"

    @api.model
    @tools.ormcache()
    def _retail_branch_link_fields(self):
        """{field name: comodel} of the many2one and many2many fields of this
        model that point to a branch-ruled model."""
        ruled = self.env["crm.branch.mixin"]._retail_branch_ruled_models()
        return {
            name: field.comodel_name
            for name, field in self._fields.items()
            if field.type in ("many2one", "many2many") and field.comodel_name in ruled
        }

    @api.model
    def _retail_branch_linked_ids(self, field, value):
        """The ids an assignment of ``value`` to ``field`` links to."""
        if isinstance(value, models.BaseModel):
            return {id_ for id_ in value.ids if isinstance(id_, int)}
        if field.type == "many2one":
            if isinstance(value, (tuple, list)) and value:
                value = value[0]  # the ORM takes a pair (id, name) too
            return {value} if isinstance(value, int) and not isinstance(value, bool) else set()
        ids = set()
        for command in value or ():
            if isinstance(command, int) and not isinstance(command, bool):
                ids.add(command)
            elif isinstance(command, (list, tuple)) and command and command[0] in LINK_COMMANDS:
                if command[0] == Command.LINK:
                    ids.add(command[1])
                else:
                    ids.update(command[2] or ())
        return {id_ for id_ in ids if isinstance(id_, int) and not isinstance(id_, bool)}

    @api.model
    def _retail_check_branch_links(self, vals_list, defaults=False):
        """Refuse values linking to records of a branch-ruled model that the
        (branch-scoped) user cannot read. ``defaults``: the ``default_*``
        context keys count too (create)."""
        link_fields = self._retail_branch_link_fields()
        if not link_fields or self.env.su:
            return
        wanted = defaultdict(lambda: defaultdict(set))  # comodel: id: field names
        context_defaults = {
            key[8:]: value
            for key, value in self.env.context.items()
            if defaults and key.startswith("default_") and key[8:] in link_fields
        }
        for vals in vals_list:
            given = dict(context_defaults, **vals) if context_defaults else vals
            for name in given.keys() & link_fields.keys():
                for id_ in self._retail_branch_linked_ids(self._fields[name], given[name]):
                    wanted[link_fields[name]][id_].add(name)
        if not wanted or not self.env.user.retail_branch_scoped:
            return
        for comodel, fields_by_id in wanted.items():
            Comodel = self.env[comodel].with_context(active_test=False)
            if Comodel.has_access("read"):
                # one query: the rules of the user decide what it can read
                readable = set(Comodel._search([("id", "in", list(fields_by_id))], order="id"))
            else:
                readable = set()
            refused = sorted(
                name for id_ in fields_by_id.keys() - readable for name in fields_by_id[id_]
            )
            if refused:
                raise self.env["crm.branch.mixin"]._retail_branch_link_error(
                    self._fields[refused[0]], model=self
                )

    @api.model_create_multi
    def create(self, vals_list):
        self._retail_check_branch_links(vals_list, defaults=True)
        return super().create(vals_list)

    def write(self, vals):
        self._retail_check_branch_links([vals])
        return super().write(vals)
