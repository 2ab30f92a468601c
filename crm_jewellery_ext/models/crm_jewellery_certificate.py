from odoo import api, fields, models

LABORATORIES = [
    ("gia", "GIA"),
    ("hrd", "HRD"),
    ("igi", "IGI"),
    ("other", "Other"),
]
SHAPES = [
    ("round", "Round"),
    ("princess", "Princess"),
    ("cushion", "Cushion"),
    ("oval", "Oval"),
    ("emerald", "Emerald"),
    ("pear", "Pear"),
    ("marquise", "Marquise"),
    ("heart", "Heart"),
    ("radiant", "Radiant"),
    ("asscher", "Asscher"),
    ("other", "Other"),
]
CUTS = [
    ("excellent", "Excellent"),
    ("very_good", "Very Good"),
    ("good", "Good"),
    ("fair", "Fair"),
    ("poor", "Poor"),
]


class CrmJewelleryCertificate(models.Model):
    """A gem grading certificate of a product or lot, and of the customer who
    bought it."""

    _name = "crm.jewellery.certificate"
    _description = "Gem Certificate"
    _inherit = ["mail.thread", "crm.branch.mixin"]
    _order = "id desc"
    _rec_names_search = ["name", "product_id", "lot_id"]

    name = fields.Char(string="Certificate Number", required=True, tracking=True, index="trigram")
    laboratory = fields.Selection(LABORATORIES, required=True, default="gia", tracking=True)
    laboratory_other = fields.Char(string="Other Laboratory")
    report_date = fields.Date()
    gemstone_id = fields.Many2one("crm.jewellery.gemstone", ondelete="restrict")
    carat = fields.Float(digits=(6, 3))
    colour = fields.Char(help="Colour grade, e.g. D, E, F or Fancy Vivid Yellow.")
    clarity = fields.Char(help="Clarity grade, e.g. IF, VVS1, VS2, SI1.")
    cut = fields.Selection(CUTS)
    shape = fields.Selection(SHAPES)
    measurements = fields.Char(help="Length x width x depth in mm, e.g. 6.45 x 6.48 x 3.98.")
    product_id = fields.Many2one("product.product", ondelete="restrict", index=True, tracking=True)
    lot_id = fields.Many2one(
        "stock.lot",
        string="Lot/Serial Number",
        ondelete="restrict",
        domain="[('product_id', '=', product_id)]",
    )
    sale_line_id = fields.Many2one(
        "sale.order.line", string="Sold On", ondelete="set null", index=True, tracking=True
    )
    sale_order_id = fields.Many2one(related="sale_line_id.order_id", store=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        compute="_compute_partner_id",
        store=True,
        readonly=False,
        index=True,
        tracking=True,
    )
    attachment_ids = fields.Many2many("ir.attachment", string="Scanned Certificate")
    note = fields.Text()

    _sql_constraints = [
        (
            "lab_number_uniq",
            "unique(laboratory, name)",
            "This laboratory already issued a certificate with this number.",
        )
    ]

    @api.depends("sale_line_id")
    def _compute_partner_id(self):
        for cert in self:
            if cert.sale_line_id:
                cert.partner_id = cert.sale_line_id.order_id.partner_id.commercial_partner_id

    @api.depends("laboratory", "name")
    def _compute_display_name(self):
        labels = dict(LABORATORIES)
        for cert in self:
            lab = (
                cert.laboratory_other if cert.laboratory == "other" else labels.get(cert.laboratory)
            )
            cert.display_name = f"{lab or ''} {cert.name or ''}".strip()

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name"):
                vals["name"] = vals["name"].strip().upper()
        return super().create(vals_list)

    def write(self, vals):
        if vals.get("name"):
            vals["name"] = vals["name"].strip().upper()
        return super().write(vals)

    @api.model
    def _link_delivered_lots(self, move_lines):
        """Certificates of the lots delivered by ``move_lines`` get the sale
        order line (and so the customer) they were sold on."""
        by_lot = {
            ml.lot_id.id: ml.move_id.sale_line_id.id
            for ml in move_lines
            if ml.lot_id and ml.move_id.sale_line_id
        }
        if not by_lot:
            return
        certs = self.sudo().search([("lot_id", "in", list(by_lot)), ("sale_line_id", "=", False)])
        for sale_line_id in set(by_lot.values()):
            certs.filtered(lambda c, s=sale_line_id: by_lot[c.lot_id.id] == s).write(
                {"sale_line_id": sale_line_id}
            )
