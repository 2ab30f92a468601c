from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..lib import sizes

BIRTHSTONES = [
    ("garnet", "Garnet"),
    ("amethyst", "Amethyst"),
    ("aquamarine", "Aquamarine"),
    ("diamond", "Diamond"),
    ("emerald", "Emerald"),
    ("pearl", "Pearl"),
    ("ruby", "Ruby"),
    ("peridot", "Peridot"),
    ("sapphire", "Sapphire"),
    ("opal", "Opal"),
    ("topaz", "Topaz"),
    ("turquoise", "Turquoise"),
]
RELATIONS = [
    ("spouse", "Spouse"),
    ("fiance", "Fiancé(e)"),
    ("partner", "Partner"),
    ("family", "Family"),
]


class ResPartner(models.Model):
    """The jewellery client file: sizes, tastes, occasions, wish list,
    certificates of what the customer bought, calls and due diligence."""

    _inherit = "res.partner"

    ring_circumference_mm = fields.Float(
        string="Ring Size (Circumference mm)",
        digits=(4, 1),
        help="Inner circumference of the ring finger in mm: the one measure every "
        "ring size scale is converted from.",
    )
    ring_size_hk = fields.Integer(
        string="Ring Size (HK)",
        compute="_compute_ring_size_hk",
        inverse="_inverse_ring_size_hk",
    )
    ring_size_us = fields.Float(
        string="Ring Size (US)",
        digits=(4, 2),
        compute="_compute_ring_size_us",
        inverse="_inverse_ring_size_us",
    )
    ring_size_eu = fields.Float(
        string="Ring Size (EU)",
        digits=(4, 1),
        compute="_compute_ring_size_eu",
        inverse="_inverse_ring_size_eu",
    )
    ring_finger = fields.Selection(
        [("left_ring", "Left Ring Finger"), ("right_ring", "Right Ring Finger"), ("other", "Other")]
    )
    bracelet_length_cm = fields.Float(string="Bracelet Length (cm)", digits=(4, 1))
    necklace_length_cm = fields.Float(string="Necklace Length (cm)", digits=(4, 1))
    jewellery_metal_ids = fields.Many2many("crm.jewellery.metal", string="Preferred Metals")
    jewellery_gemstone_ids = fields.Many2many(
        "crm.jewellery.gemstone", string="Preferred Gemstones"
    )
    jewellery_style_tag_ids = fields.Many2many("crm.jewellery.style.tag", string="Styles")
    birthstone = fields.Selection(BIRTHSTONES, compute="_compute_birthstone", store=True)
    anniversary_ids = fields.One2many("crm.jewellery.anniversary", "partner_id")
    linked_partner_id = fields.Many2one(
        "res.partner", string="Linked Person", help="Spouse or fiancé(e); kept on both files."
    )
    linked_relation = fields.Selection(RELATIONS, string="Relation")
    wish_ids = fields.One2many("crm.jewellery.wish", "partner_id", string="Wish List")
    # classified restricted (AMLO): like the HKID, only the restricted
    # identifiers group reads or searches it
    cdd_required = fields.Boolean(
        string="Due Diligence Required",
        groups="crm_privacy_pdpo.group_restricted_identifiers",
        tracking=True,
        help="Set when the customer made a cash transaction of HK$120,000 or more "
        "(dealers in precious metals and stones, AMLO).",
    )
    jewellery_certificate_count = fields.Integer(compute="_compute_jewellery_counts")
    jewellery_service_count = fields.Integer(compute="_compute_jewellery_counts")
    jewellery_call_count = fields.Integer(compute="_compute_jewellery_counts")

    # one compute per scale: a write of one scale must not write the others
    @api.depends("ring_circumference_mm")
    def _compute_ring_size_hk(self):
        for partner in self:
            partner.ring_size_hk = sizes.circumference_to_hk(partner.ring_circumference_mm) or 0

    @api.depends("ring_circumference_mm")
    def _compute_ring_size_us(self):
        for partner in self:
            partner.ring_size_us = sizes.circumference_to_us(partner.ring_circumference_mm) or 0.0

    @api.depends("ring_circumference_mm")
    def _compute_ring_size_eu(self):
        for partner in self:
            partner.ring_size_eu = sizes.circumference_to_eu(partner.ring_circumference_mm) or 0.0

    def _set_circumference(self, converter, value):
        try:
            mm = converter(value) if value else 0.0
        except sizes.SizeError as exc:
            raise ValidationError(str(exc)) from exc
        self.ring_circumference_mm = mm

    def _inverse_ring_size_hk(self):
        for partner in self:
            partner._set_circumference(sizes.hk_to_circumference, partner.ring_size_hk)

    def _inverse_ring_size_us(self):
        for partner in self:
            partner._set_circumference(sizes.us_to_circumference, partner.ring_size_us)

    def _inverse_ring_size_eu(self):
        for partner in self:
            partner._set_circumference(sizes.eu_to_circumference, partner.ring_size_eu)

    @api.constrains("ring_circumference_mm", "bracelet_length_cm", "necklace_length_cm")
    def _check_jewellery_sizes(self):
        for partner in self:
            mm = partner.ring_circumference_mm
            if mm and not sizes.MIN_CIRCUMFERENCE <= mm <= sizes.MAX_CIRCUMFERENCE:
                raise ValidationError(
                    _("A ring circumference of %(mm)s mm is not a ring size.", mm=mm)
                )
            if partner.bracelet_length_cm and not 10 <= partner.bracelet_length_cm <= 30:
                raise ValidationError(_("Bracelet lengths go from 10 to 30 cm."))
            if partner.necklace_length_cm and not 25 <= partner.necklace_length_cm <= 120:
                raise ValidationError(_("Necklace lengths go from 25 to 120 cm."))

    @api.depends("birthday_month")
    def _compute_birthstone(self):
        for partner in self:
            partner.birthstone = sizes.birthstone(partner.birthday_month) or False

    def _compute_jewellery_counts(self):
        ids = self.commercial_partner_id.ids or [0]
        domain = [("partner_id", "child_of", ids)]
        certs = dict(
            self.env["crm.jewellery.certificate"]._read_group(domain, ["partner_id"], ["__count"])
        )
        orders = dict(
            self.env["crm.jewellery.custom.order"]._read_group(domain, ["partner_id"], ["__count"])
        )
        calls = dict(
            self.env["crm.jewellery.call"]._read_group(domain, ["partner_id"], ["__count"])
        )
        for partner in self:
            commercial = partner.commercial_partner_id
            partner.jewellery_certificate_count = certs.get(commercial, 0)
            partner.jewellery_service_count = orders.get(commercial, 0)
            partner.jewellery_call_count = calls.get(commercial, 0)

    @api.model_create_multi
    def create(self, vals_list):
        partners = super().create(vals_list)
        partners.filtered("linked_partner_id")._sync_linked_partner()
        return partners

    def write(self, vals):
        before = {p.id: p.linked_partner_id for p in self} if "linked_partner_id" in vals else {}
        res = super().write(vals)
        if before and not self.env.context.get("crm_jewellery_link_sync"):
            for partner in self:
                old = before[partner.id]
                if old and old != partner.linked_partner_id and old.linked_partner_id == partner:
                    old.with_context(crm_jewellery_link_sync=True).write(
                        {"linked_partner_id": False, "linked_relation": False}
                    )
            self._sync_linked_partner()
        elif "linked_relation" in vals and not self.env.context.get("crm_jewellery_link_sync"):
            self._sync_linked_partner()
        return res

    def _sync_linked_partner(self):
        """Keep the couple link on both files (the link is symmetric)."""
        for partner in self:
            other = partner.linked_partner_id
            if other == partner:
                raise ValidationError(_("A customer cannot be linked to themselves."))
            if other and (
                other.linked_partner_id != partner
                or other.linked_relation != partner.linked_relation
            ):
                other.with_context(crm_jewellery_link_sync=True).write(
                    {"linked_partner_id": partner.id, "linked_relation": partner.linked_relation}
                )

    def action_jewellery_certificates(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_jewellery_ext.crm_jewellery_certificate_action"
        )
        action["domain"] = [("partner_id", "child_of", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action

    def action_jewellery_custom_orders(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_jewellery_ext.crm_jewellery_custom_order_action"
        )
        action["domain"] = [("partner_id", "child_of", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.id}
        return action

    def action_jewellery_calls(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_jewellery_ext.crm_jewellery_call_action"
        )
        action["domain"] = [("partner_id", "child_of", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.id}
        return action

    def action_jewellery_log_call(self):
        """Open a small call form, prefilled with the customer."""
        self.ensure_one()
        return self.env["crm.jewellery.call"]._quick_form_action(self, self.mobile or self.phone)
