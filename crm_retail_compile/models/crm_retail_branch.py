import ipaddress
import re

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

MAX_LOGIN_NETWORKS = 64


class CrmRetailBranch(models.Model):
    _name = "crm.retail.branch"
    _description = "Retail Branch"
    _order = "sequence, code"
    _rec_names_search = ["name", "name_zh", "code"]

    code = fields.Char(required=True, index=True)
    name = fields.Char(string="Name (English)", required=True)
    name_zh = fields.Char(string="Name (Chinese)")
    sequence = fields.Integer(default=10)
    district_id = fields.Many2one("crm.hk.district", ondelete="restrict")
    street = fields.Char(string="Address")
    street_zh = fields.Char(string="Address (Chinese)")
    phone = fields.Char()
    is_online = fields.Boolean(
        string="Online Store", help="The branch is the online store, not a shop."
    )
    is_remote = fields.Boolean(
        string="Remote Branch",
        help="Remote branches reach the system over the network from outside "
        "head office; their access is restricted to their own data.",
    )
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    manager_id = fields.Many2one("res.users", string="Branch Manager")
    user_ids = fields.Many2many(
        "res.users",
        "crm_retail_branch_res_users_rel",
        "branch_id",
        "user_id",
        string="Staff",
        help="Users allowed to work with this branch's records.",
    )
    customer_count = fields.Integer(compute="_compute_customer_count")
    login_networks = fields.Text(
        string="Allowed Networks",
        groups="crm_retail_compile.group_retail_admin",
        help="Networks (CIDR, e.g. 203.0.113.0/24 or 2001:db8::/48; one per line or "
        "separated by commas) from which the users of this branch may log in, on the "
        "web and over XML-RPC. A branch-scoped user whose allowed branches list "
        "networks logs in only from an address inside the networks of one of them. "
        "Empty: no restriction.",
    )

    _sql_constraints = [
        ("code_company_uniq", "unique(code, company_id)", "The branch code must be unique."),
    ]

    @api.depends("name", "name_zh")
    def _compute_display_name(self):
        for branch in self:
            branch.display_name = (
                f"{branch.name} {branch.name_zh}" if branch.name_zh else branch.name
            )

    def _compute_customer_count(self):
        counts = dict(
            self.env["res.partner"]._read_group(
                [("retail_branch_id", "in", self.ids), ("is_retail_customer", "=", True)],
                ["retail_branch_id"],
                ["__count"],
            )
        )
        for branch in self:
            branch.customer_count = counts.get(branch, 0)

    @api.constrains("code")
    def _check_code(self):
        for branch in self:
            if not branch.code.strip() or len(branch.code) > 16:
                raise ValidationError(_("A branch code must have 1 to 16 characters."))

    @api.constrains("login_networks")
    def _check_login_networks(self):
        for branch in self:
            branch._parse_login_networks()

    def _parse_login_networks(self):
        """The branch's allowed networks as ``ipaddress`` networks; a clear
        ValidationError naming the entry that is not one."""
        self.ensure_one()
        entries = [e for e in re.split(r"[\s,;]+", self.login_networks or "") if e]
        if len(entries) > MAX_LOGIN_NETWORKS:
            raise ValidationError(
                _(
                    "Allowed Networks of branch %(branch)s: at most %(max)s networks.",
                    branch=self.code,
                    max=MAX_LOGIN_NETWORKS,
                )
            )
        networks = []
        for entry in entries:
            try:
                networks.append(ipaddress.ip_network(entry, strict=True))
            except ValueError:
                raise ValidationError(
                    _(
                        "Allowed Networks of branch %(branch)s: %(entry)r is not a network "
                        "in CIDR notation (e.g. 203.0.113.0/24, 10.0.0.0/8 or "
                        "2001:db8::/48; host bits must be zero).",
                        branch=self.code,
                        entry=entry[:64],
                    )
                ) from None
        return networks

    def action_view_customers(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_retail_compile.res_partner_action_retail_customer"
        )
        action["domain"] = [("retail_branch_id", "=", self.id)]
        return action

    def write(self, vals):
        res = super().write(vals)
        if "user_ids" in vals:
            # record rules are cached per user: allowed branches changed
            self.env.registry.clear_cache()
        return res
