from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL


class CrmOnlineActivity(models.Model):
    """What customers do online (from the e-shop), kept for analysis."""

    _name = "crm.online.activity"
    _description = "Online Customer Activity"
    _order = "activity_date desc, id desc"

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, ondelete="cascade"
    )
    activity_date = fields.Datetime(string="Date", required=True, index=True)
    kind = fields.Selection(
        [
            ("visit", "Visit"),
            ("product_view", "Product Viewed"),
            ("search", "Search"),
            ("cart", "Added to Cart"),
            ("wishlist", "Added to Wish List"),
            ("order", "Online Order"),
            ("review", "Review"),
        ],
        string="Activity",
        required=True,
        index=True,
    )
    detail = fields.Char()
    product_id = fields.Many2one("product.product", ondelete="set null")
    categ_id = fields.Many2one(
        related="product_id.categ_id", string="Product Category", store=True, index=True
    )
    source = fields.Char(
        string="Channel",
        default="eshop",
        index=True,
        help="Where the activity happened, as the integration names it (e.g. eshop, app).",
    )
    retail_branch_id = fields.Many2one(
        related="partner_id.retail_branch_id", string="Home Branch", store=True
    )

    def write(self, vals):  # pylint: disable=method-required-super
        raise UserError(_("Online activity is a log: it cannot be changed."))

    def unlink(self):
        # append-only like the other registers: only the retention job
        # (superuser, crm_privacy_retention) removes rows
        if self and not (self.env.su and self.env.context.get("crm_privacy_retention")):
            raise UserError(_("Online activity is a log: it cannot be deleted."))
        return super().unlink()

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        # the customer's last online visit follows the latest activity (one
        # UPDATE for the whole batch; a derived value of the log)
        records.flush_recordset()
        self.env.cr.execute(
            SQL(
                """
                UPDATE res_partner p SET last_online_visit = a.last
                  FROM (SELECT partner_id, MAX(activity_date) AS last
                          FROM crm_online_activity WHERE id = ANY(%s)
                         GROUP BY partner_id) a
                 WHERE p.id = a.partner_id
                   AND (p.last_online_visit IS NULL OR p.last_online_visit < a.last)
                """,
                records.ids,
            )
        )
        self.env["res.partner"].invalidate_model(["last_online_visit"])
        return records
