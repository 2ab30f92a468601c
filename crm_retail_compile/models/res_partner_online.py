"""The customer's online behaviour on the customer form: how many online
activities, the most recent ones, and the category preferences derived from
them (crm.online.preference)."""

from odoo import api, fields, models
from odoo.tools import SQL

RECENT_ONLINE_ACTIVITIES = 10


# One file per feature, as res_partner_dq.py and res_partner_analytics.py.
class ResPartner(models.Model):
    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    online_activity_count = fields.Integer(
        string="Online Activities", compute="_compute_online_activity"
    )
    online_recent_activity_ids = fields.Many2many(
        "crm.online.activity",
        string="Recent Online Activity",
        compute="_compute_online_activity",
    )
    online_preference_ids = fields.One2many(
        "crm.online.preference",
        "partner_id",
        string="Preferences from Online Behaviour",
        readonly=True,
    )
    online_categ_ids = fields.Many2many(
        "product.category",
        string="From Online Behaviour",
        compute="_compute_online_categ_ids",
        help="Product categories the customer viewed, wished for, put in the cart or ordered "
        "online, strongest first (refreshed nightly with the customer analytics).",
    )

    @api.depends_context("uid")
    def _compute_online_activity(self):
        """Counts with one grouped query and the latest activities of each
        customer with one windowed query, both under the user's rules."""
        Activity = self.env["crm.online.activity"]
        ids = [pid for pid in self.ids if pid]
        counts, recent = {}, {}
        if ids and Activity.has_access("read"):
            counts = {
                partner.id: count
                for partner, count in Activity._read_group(
                    [("partner_id", "in", ids)], ["partner_id"], ["__count"]
                )
            }
            Activity.flush_model(["partner_id", "activity_date"])
            rows = self.env.execute_query(
                SQL(
                    """
                    SELECT id FROM (
                        SELECT id, ROW_NUMBER() OVER (
                                   PARTITION BY partner_id ORDER BY activity_date DESC, id DESC
                               ) AS rank
                          FROM crm_online_activity WHERE partner_id = ANY(%s)
                    ) ranked WHERE rank <= %s
                    """,
                    ids,
                    RECENT_ONLINE_ACTIVITIES,
                )
            )
            # the user's record rules decide what is shown
            for activity in Activity.search([("id", "in", [row[0] for row in rows])]):
                recent.setdefault(activity.partner_id.id, []).append(activity.id)
        for partner in self:
            partner.online_activity_count = counts.get(partner.id, 0)
            partner.online_recent_activity_ids = [(6, 0, recent.get(partner.id, []))]

    @api.depends("online_preference_ids.score")
    def _compute_online_categ_ids(self):
        for partner in self:
            partner.online_categ_ids = partner.online_preference_ids.sorted(
                lambda p: (-p.score, p.id)
            ).categ_id

    def action_view_online_activity(self):
        """The customer's online activity, newest first."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_retail_compile.crm_online_activity_action"
        )
        action["name"] = self.env._("Online Activity of %(name)s", name=self.display_name)
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {"create": False}
        return action
