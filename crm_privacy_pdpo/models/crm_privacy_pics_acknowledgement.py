from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class CrmPrivacyPicsAcknowledgement(models.Model):
    """Which PICS version a customer was given, when, where and by whom.

    crm_retail_compile adds the retail branch by inheritance; ``branch_ref``
    keeps a free-text branch for records made without it.
    """

    _name = "crm.privacy.pics.acknowledgement"
    _description = "Collection Notice Given to a Customer"
    _order = "given_date desc, id desc"
    _rec_name = "pics_id"

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, ondelete="cascade", index=True
    )
    pics_id = fields.Many2one(
        "crm.privacy.pics",
        string="Notice Version",
        required=True,
        ondelete="restrict",
        domain=[("state", "in", ("active", "superseded"))],
    )
    given_date = fields.Datetime(required=True, default=fields.Datetime.now)
    channel = fields.Selection(
        [("store", "In store"), ("online", "Online"), ("phone", "Phone"), ("app", "App")],
        required=True,
        default="store",
    )
    branch_ref = fields.Char(string="Branch")
    user_id = fields.Many2one(
        "res.users", string="Given By", default=lambda self: self.env.user, required=True
    )
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company)

    @api.constrains("pics_id")
    def _check_pics_published(self):
        for ack in self:
            if ack.pics_id.state == "draft":
                raise ValidationError(_("A draft collection notice cannot be given to customers."))
