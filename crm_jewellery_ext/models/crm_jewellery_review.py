import uuid

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import consteq

REVIEW_PURPOSE = "product_review"
LOW_RATING = 2
MAX_TOKEN = 64  # the tokens are uuid4 strings (36 characters)
MAX_COMMENT = 2000  # characters of a comment given through the public link


class CrmJewelleryReview(models.Model):
    """A product review asked of a customer after a delivery, a collection or
    a repair, and the rating and comment they gave."""

    _name = "crm.jewellery.review"
    _description = "Product Review"
    _inherit = ["mail.thread", "mail.activity.mixin", "crm.branch.mixin"]
    _order = "id desc"
    _rec_name = "product_id"

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, ondelete="cascade", index=True
    )
    product_id = fields.Many2one("product.product", required=True, ondelete="cascade", index=True)
    product_tmpl_id = fields.Many2one(related="product_id.product_tmpl_id", store=True)
    categ_id = fields.Many2one(
        related="product_id.product_tmpl_id.categ_id", store=True, string="Product Category"
    )
    sale_order_id = fields.Many2one("sale.order", ondelete="set null", index=True)
    custom_order_id = fields.Many2one("crm.jewellery.custom.order", ondelete="set null", index=True)
    repair_id = fields.Many2one("repair.order", ondelete="set null", index=True)
    source = fields.Selection(
        [("delivery", "Delivery"), ("custom", "Custom Order"), ("repair", "Repair")],
        required=True,
        default="delivery",
    )
    channel = fields.Selection([("email", "Email"), ("sms", "SMS")], required=True)
    state = fields.Selection(
        [("requested", "Requested"), ("received", "Received")],
        default="requested",
        required=True,
        readonly=True,
        tracking=True,
        crm_system=True,
    )
    rating = fields.Integer(tracking=True, aggregator="avg", help="1 (poor) to 5 (excellent).")
    low_rating = fields.Boolean(compute="_compute_low_rating", store=True, crm_system=True)
    low_rating_count = fields.Integer(
        compute="_compute_low_rating",
        store=True,
        aggregator="sum",
        string="Low Ratings",
        crm_system=True,
    )
    comment = fields.Text()
    request_date = fields.Date(default=fields.Date.context_today)
    review_date = fields.Date(readonly=True, crm_system=True)
    access_token = fields.Char(copy=False, groups="base.group_system")
    review_count = fields.Integer(default=1, aggregator="sum", readonly=True, crm_system=True)

    @api.depends("rating", "state")
    def _compute_low_rating(self):
        for review in self:
            review.low_rating = review.state == "received" and 0 < review.rating <= LOW_RATING
            review.low_rating_count = 1 if review.low_rating else 0

    @api.constrains("rating")
    def _check_rating(self):
        if any(r.rating and not 1 <= r.rating <= 5 for r in self):
            raise ValidationError(_("A rating goes from 1 to 5."))

    def write(self, vals):
        res = super().write(vals)
        if "rating" in vals:
            self._follow_up_low_ratings()
        return res

    def action_record_rating(self, rating, comment=None):
        """Record the rating a customer gave (by phone, in the shop, online)."""
        try:
            rating = int(rating)
        except (TypeError, ValueError) as exc:
            raise UserError(_("A rating is a number from 1 to 5.")) from exc
        if not 1 <= rating <= 5:
            raise UserError(_("A rating goes from 1 to 5."))
        self.check_access("write")
        return self._crm_system_write().write(
            {
                "rating": rating,
                "comment": comment or False,
                "state": "received",
                "review_date": fields.Date.context_today(self),
            }
        )

    def _check_token(self, token):
        """The review behind a link, after checking the link's token."""
        # browse(0) is empty; ids past PostgreSQL's integer are no review
        valid_id = len(self) == 1 and 0 < self.id < 2**31
        review = self.sudo().exists() if valid_id else self.browse()
        if not (
            isinstance(token, str)
            and 0 < len(token) <= MAX_TOKEN
            and review
            and review.access_token
            # bytes: a constant-time comparison of any text, ASCII or not
            and consteq(review.access_token.encode(), token.encode())
        ):
            raise UserError(_("This review link is not valid."))
        return review

    def _public_product_name(self, token):
        try:
            return self._check_token(token).product_id.display_name
        except UserError:
            return ""

    def _submit_with_token(self, token, rating, comment):
        """Portal: the customer rates through the link they received."""
        review = self._check_token(token)
        if comment and len(comment) > MAX_COMMENT:
            raise UserError(_("A comment has at most %(count)s characters.", count=MAX_COMMENT))
        if review.state == "received":
            raise UserError(_("Thank you, this review was already received."))
        return review.action_record_rating(rating, comment)

    def _follow_up_low_ratings(self):
        """A low rating gets a follow-up activity for the branch manager."""
        low = self.filtered("low_rating")
        if not low:
            return
        todo = self.env.ref("mail.mail_activity_data_todo")
        model_id = self.env["ir.model"]._get_id(self._name)
        vals_list = []
        for review in low.sudo():
            user = (
                review.retail_branch_id.manager_id
                or review.partner_id.user_id
                or self.env.ref("base.user_admin")
            )
            vals_list.append(
                {
                    "res_model_id": model_id,
                    "res_id": review.id,
                    "activity_type_id": todo.id,
                    "user_id": user.id,
                    "summary": _(
                        "Low rating (%(rating)s/5) for %(product)s: call the customer",
                        rating=review.rating,
                        product=review.product_id.display_name,
                    ),
                    "date_deadline": fields.Date.context_today(self),
                }
            )
        self.env["mail.activity"].sudo().create(vals_list)

    # ------------------------------------------------------------------
    # Requests
    # ------------------------------------------------------------------

    @api.model
    def _review_channel(self, partner):
        preferred = partner.preferred_contact_channel
        if preferred in ("email", "sms"):
            return preferred
        return "email" if partner.email else ("sms" if partner.mobile or partner.phone else None)

    @api.model
    def _request_reviews_for(self, records):
        """Ask for reviews of what ``records`` (delivered pickings, collected
        custom orders, finished repairs) gave the customers."""
        vals_list = []
        for rec in records:
            if rec._name == "stock.picking":
                order = rec.sale_id
                for move in rec.move_ids.filtered(lambda m: m.quantity > 0):
                    vals_list.append(
                        {
                            "partner_id": order.partner_id.commercial_partner_id.id,
                            "product_id": move.product_id.id,
                            "sale_order_id": order.id,
                            "source": "delivery",
                            "retail_branch_id": order.retail_branch_id.id,
                        }
                    )
            elif rec._name == "crm.jewellery.custom.order" and rec.product_id:
                vals_list.append(
                    {
                        "partner_id": rec.partner_id.commercial_partner_id.id,
                        "product_id": rec.product_id.id,
                        "custom_order_id": rec.id,
                        "source": "custom",
                        "retail_branch_id": rec.retail_branch_id.id,
                    }
                )
            elif rec._name == "repair.order" and rec.product_id and rec.partner_id:
                vals_list.append(
                    {
                        "partner_id": rec.partner_id.commercial_partner_id.id,
                        "product_id": rec.product_id.id,
                        "repair_id": rec.id,
                        "source": "repair",
                        "retail_branch_id": rec.retail_branch_id.id,
                    }
                )
        return self._request_reviews(vals_list)

    @api.model
    def _request_reviews(self, vals_list):
        """Create and send review requests, only to customers who consented
        to be asked for reviews on the channel they prefer."""
        if not vals_list:
            return self.browse()
        Partner = self.env["res.partner"].sudo()
        partners = Partner.browse({v["partner_id"] for v in vals_list})
        channel_of = {p.id: self._review_channel(p) for p in partners}
        allowed = set()
        for channel in ("email", "sms"):
            group = partners.filtered(lambda p, c=channel: channel_of[p.id] == c)
            if group:
                allowed.update(Partner._crm_filter_consenting(group, REVIEW_PURPOSE, channel).ids)
        seen = set()
        to_create = []
        for vals in vals_list:
            key = (vals["partner_id"], vals["product_id"])
            if vals["partner_id"] not in allowed or key in seen:
                continue
            seen.add(key)
            to_create.append(
                dict(vals, channel=channel_of[vals["partner_id"]], access_token=str(uuid.uuid4()))
            )
        reviews = self.sudo().with_context(tracking_disable=True).create(to_create)
        reviews._send_requests()
        return reviews

    def _send_requests(self):
        mail_template = self.env.ref("crm_jewellery_ext.mail_template_review_request")
        sms_template = self.env.ref("crm_jewellery_ext.sms_template_review_request")
        for review in self:
            if review.channel == "email":
                review.message_post_with_source(
                    mail_template, subtype_xmlid="mail.mt_comment", message_type="comment"
                )
            else:
                review._message_sms_with_template(
                    template=sms_template, partner_ids=review.partner_id.ids
                )

    def _review_url(self):
        self.ensure_one()
        base = self.get_base_url()
        return f"{base}/jewellery/review/{self.id}?token={self.sudo().access_token}"
