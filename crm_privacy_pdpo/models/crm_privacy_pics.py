from odoo import _, api, fields, models
from odoo.exceptions import UserError


class CrmPrivacyPics(models.Model):
    """Versioned Personal Information Collection Statement (DPP1(3), s.35C)."""

    _name = "crm.privacy.pics"
    _description = "Personal Information Collection Statement"
    _inherit = ["mail.thread"]
    _order = "effective_date desc, id desc"

    # Content fields frozen once a version was given to customers.
    _CRM_FROZEN_FIELDS = frozenset(
        {
            "name",
            "version",
            "text_en",
            "text_zh",
            "purposes",
            "transferee_classes",
            "marketing_purpose_ids",
            "obligatory_field_ids",
            "rights_contact",
        }
    )

    # Translatable: the name and the sections of the notice are shown in the
    # reader's language, and the public notice prints the English and the
    # Chinese (zh_HK) translations side by side.
    name = fields.Char(required=True, translate=True, default=lambda self: _("Collection Notice"))
    version = fields.Char(required=True, default="1.0")
    state = fields.Selection(
        [("draft", "Draft"), ("active", "Active"), ("superseded", "Superseded")],
        default="draft",
        required=True,
        tracking=True,
        readonly=True,
    )
    effective_date = fields.Date(tracking=True)
    text_en = fields.Html(string="Statement (English)", sanitize=True)
    text_zh = fields.Html(string="Statement (Chinese)", sanitize=True)
    purposes = fields.Text(
        string="Purposes of Collection",
        translate=True,
        help="Purposes for which the data is to be used.",
    )
    transferee_classes = fields.Text(
        string="Classes of Transferees",
        translate=True,
        help="Classes of persons the data may be transferred to.",
    )
    marketing_purpose_ids = fields.Many2many(
        "crm.privacy.marketing.purpose",
        string="Direct Marketing Subjects",
        help="Classes of marketing subjects the customer may consent to (s.35C).",
    )
    obligatory_field_ids = fields.Many2many(
        "crm.privacy.field.classification",
        string="Obligatory Data",
        help="Data the customer must supply; all other data is voluntary.",
    )
    rights_contact = fields.Text(
        string="Access and Correction Contact",
        translate=True,
        help="Rights of access and correction and the contact of the responsible person.",
    )
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company)
    acknowledgement_count = fields.Integer(compute="_compute_acknowledgement_count")

    _sql_constraints = [
        ("version_uniq", "unique(company_id, version)", "A PICS version must be unique."),
    ]

    def _compute_acknowledgement_count(self):
        data = self.env["crm.privacy.pics.acknowledgement"]._read_group(
            [("pics_id", "in", self.ids)], ["pics_id"], ["__count"]
        )
        counts = {pics.id: count for pics, count in data}
        for pics in self:
            pics.acknowledgement_count = counts.get(pics.id, 0)

    def write(self, vals):
        if self._CRM_FROZEN_FIELDS & set(vals) and any(p.state != "draft" for p in self):
            raise UserError(
                _(
                    "A collection notice that was published cannot be changed: create a new "
                    "version instead."
                )
            )
        return super().write(vals)

    def _update_field_translations(self, field_name, translations, digest=None, source_lang=None):
        # the translations of a published notice are part of it: frozen too
        if field_name in self._CRM_FROZEN_FIELDS and any(p.state != "draft" for p in self):
            raise UserError(
                _(
                    "A collection notice that was published cannot be changed: create a new "
                    "version instead."
                )
            )
        return super()._update_field_translations(
            field_name, translations, digest=digest, source_lang=source_lang
        )

    @api.model
    def _crm_load_translations(self, xmlid, translations):
        """Data hook: set the translations ``{lang: {field: value}}`` of the
        record ``xmlid``, for the languages installed (the others come from
        the add-on's catalogues when installed)."""
        record = self.env.ref(xmlid, raise_if_not_found=False)
        if not record:
            return
        installed = {code for code, _name in self.env["res.lang"].get_installed()}
        by_field = {}
        for lang, values in translations.items():
            if lang in installed:
                for fname, value in values.items():
                    by_field.setdefault(fname, {})[lang] = value
        for fname, values in by_field.items():
            record.update_field_translations(fname, values)

    def unlink(self):
        if any(pics.state != "draft" for pics in self):
            raise UserError(_("Only draft collection notices can be deleted."))
        return super().unlink()

    def action_activate(self):
        """Publish this version; the previous active version is superseded."""
        for pics in self:
            if pics.state != "draft":
                raise UserError(_("Only a draft can be published."))
            if not (pics.text_en and pics.text_zh):
                raise UserError(_("Publish the statement in both English and Chinese."))
            previous = self.search(
                [
                    ("state", "=", "active"),
                    ("company_id", "=", pics.company_id.id),
                    ("id", "!=", pics.id),
                ]
            )
            previous.write({"state": "superseded"})
            pics.write(
                {
                    "state": "active",
                    "effective_date": pics.effective_date or fields.Date.context_today(self),
                }
            )
        return True

    def action_new_version(self):
        self.ensure_one()
        new = self.copy(
            {"version": f"{self.version}-new", "state": "draft", "effective_date": False}
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": new.id,
            "view_mode": "form",
        }

    @api.model
    def _get_active(self, company=None):
        company = company or self.env.company
        return self.search(
            [("state", "=", "active"), ("company_id", "in", (company.id, False))], limit=1
        )
