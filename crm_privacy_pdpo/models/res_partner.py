from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

from . import pdpo_rules

RESTRICTED_GROUP = "crm_privacy_pdpo.group_restricted_identifiers"
IDENTIFIER_PURPOSES = [
    ("aml_cdd", "AML customer due diligence (precious metals and stones dealers)"),
    ("legal_requirement", "Other legal requirement"),
    ("identity_verification", "Identity verification for a data access request"),
    ("other", "Other recorded purpose"),
]


class ResPartner(models.Model):
    _inherit = "res.partner"

    # Restricted identifiers (HKID Code of Practice): stored only for a
    # recorded purpose, readable only by the restricted identifiers group.
    hkid_number = fields.Char(
        string="HKID Number", groups=RESTRICTED_GROUP, copy=False, tracking=False
    )
    passport_number = fields.Char(groups=RESTRICTED_GROUP, copy=False)
    identifier_purpose = fields.Selection(
        IDENTIFIER_PURPOSES,
        groups=RESTRICTED_GROUP,
        copy=False,
        help="Purpose that requires keeping the identifier (HKID Code of Practice 2.3).",
    )
    identifier_purpose_note = fields.Char(groups=RESTRICTED_GROUP, copy=False)
    hkid_masked = fields.Char(string="HKID", compute="_compute_identifier_masked")
    passport_masked = fields.Char(string="Passport", compute="_compute_identifier_masked")

    crm_consent_ids = fields.One2many("crm.privacy.consent", "partner_id", string="Consent History")
    crm_consent_summary = fields.Html(
        string="Current Consents", compute="_compute_crm_consent_summary", sanitize=False
    )
    crm_pics_ack_ids = fields.One2many(
        "crm.privacy.pics.acknowledgement", "partner_id", string="Collection Notices Given"
    )
    crm_pics_id = fields.Many2one(
        "crm.privacy.pics",
        string="Last Collection Notice",
        compute="_compute_crm_pics_id",
    )
    crm_legal_hold_ids = fields.One2many("crm.privacy.legal.hold", "partner_id")
    crm_privacy_restricted = fields.Boolean(
        string="Under Legal Hold",
        compute="_compute_crm_privacy_restricted",
        search="_search_crm_privacy_restricted",
    )
    crm_anonymised = fields.Boolean(string="Anonymised", readonly=True, copy=False)
    crm_anonymised_date = fields.Datetime(string="Anonymised On", readonly=True, copy=False)

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    def _compute_identifier_masked(self):
        # The masked value is shown to everyone: read the restricted field as
        # superuser only to mask it.
        for partner, sudo_partner in zip(self, self.sudo(), strict=True):
            partner.hkid_masked = pdpo_rules.mask_hkid(sudo_partner.hkid_number)
            partner.passport_masked = pdpo_rules.mask_identifier(sudo_partner.passport_number)

    def _compute_crm_pics_id(self):
        acks = self.env["crm.privacy.pics.acknowledgement"].search(
            [("partner_id", "in", self.ids)], order="given_date desc, id desc"
        )
        latest = {}
        for ack in acks:
            latest.setdefault(ack.partner_id.id, ack.pics_id)
        for partner in self:
            partner.crm_pics_id = latest.get(partner.id, False)

    @api.depends("crm_consent_ids")
    def _compute_crm_consent_summary(self):
        status = self._crm_consent_status()
        labels = self.env["crm.privacy.consent"]._get_labels()
        for partner in self:
            rows = status.get(partner.id, [])
            if not rows:
                partner.crm_consent_summary = Markup("<p>%s</p>") % _(
                    "No direct-marketing consent recorded: silence is not consent."
                )
                continue
            # every value (a purpose's name is typed by users) is escaped by
            # Markup's % operator: the summary is HTML the suite builds itself
            lines = Markup("").join(
                Markup("<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>")
                % tuple(
                    labels.get(value, value or _("All"))
                    for value in (row["purpose"], row["channel"], row["use"], row["kind"])
                )
                for row in rows
            )
            partner.crm_consent_summary = Markup(
                "<table class='table table-sm'><thead><tr><th>%s</th><th>%s</th><th>%s</th>"
                "<th>%s</th></tr></thead><tbody>%s</tbody></table>"
            ) % (_("Purpose"), _("Channel"), _("Use"), _("Status"), lines)

    def _compute_crm_privacy_restricted(self):
        held = self._crm_privacy_held_ids()
        for partner in self:
            partner.crm_privacy_restricted = partner.id in held

    def _search_crm_privacy_restricted(self, operator, value):
        if operator not in ("=", "!="):
            raise UserError(_("Unsupported search on legal hold."))
        held = list(self.search([])._crm_privacy_held_ids())
        positive = (operator == "=") == bool(value)
        return [("id", "in" if positive else "not in", held)]

    # ------------------------------------------------------------------
    # Constraints and CRUD
    # ------------------------------------------------------------------
    @api.constrains("hkid_number", "passport_number", "identifier_purpose")
    def _check_restricted_identifiers(self):
        for partner in self.sudo():
            if (partner.hkid_number or partner.passport_number) and not (
                partner.identifier_purpose
            ):
                raise ValidationError(
                    _(
                        "An HKID or passport number can only be stored for a recorded "
                        "purpose (HKID Code of Practice). Set the identifier purpose of "
                        "%(partner)s first.",
                        partner=partner.display_name,
                    )
                )
            if partner.hkid_number and not pdpo_rules.is_valid_hkid(partner.hkid_number):
                raise ValidationError(
                    _(
                        "%(hkid)s is not a valid HKID number (check digit).",
                        hkid=pdpo_rules.mask_hkid(partner.hkid_number),
                    )
                )

    @api.model
    def _crm_normalize_identifier_vals(self, vals):
        if vals.get("hkid_number"):
            vals["hkid_number"] = pdpo_rules.normalize_hkid(vals["hkid_number"])
        if vals.get("passport_number"):
            vals["passport_number"] = vals["passport_number"].strip().upper()
        return vals

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._crm_normalize_identifier_vals(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._crm_normalize_identifier_vals(vals)
        return super().write(vals)

    # ------------------------------------------------------------------
    # Direct-marketing consent API (Part 6A)
    # ------------------------------------------------------------------
    @api.model
    def _crm_resolve_purpose(self, purpose):
        Purpose = self.env["crm.privacy.marketing.purpose"]
        if isinstance(purpose, models.BaseModel) and purpose._name == Purpose._name:
            purpose.ensure_one()
            return purpose
        if isinstance(purpose, int) and not isinstance(purpose, bool):
            record = Purpose.browse(purpose).exists()
        elif isinstance(purpose, str) and purpose:
            record = Purpose.with_context(active_test=False).search(
                [("code", "=", purpose)], limit=1
            )
        else:
            record = Purpose
        if not record:
            raise UserError(_("Unknown marketing purpose: %(purpose)s", purpose=purpose))
        return record

    @api.model
    def _crm_filter_consenting(self, partners, purpose, channel, use="own_use"):
        """Subset of ``partners`` with a valid, current consent (one SQL query).

        The status of a (partner, purpose, channel, use) is its latest record; a
        record without purpose or use is an opt-out of all purposes or uses.
        No record means no consent.
        """
        Consent = self.env["crm.privacy.consent"]
        Consent._check_channel_use(channel, use)
        purpose = self._crm_resolve_purpose(purpose)
        if not isinstance(partners, models.BaseModel) or partners._name != "res.partner":
            partners = self.browse(partners)
        if not partners:
            return self.browse()
        if not purpose.active:
            return self.browse()
        Consent.flush_model()
        rows = self.env.execute_query(
            SQL(
                """
            SELECT latest.partner_id FROM (
                SELECT DISTINCT ON (c.partner_id) c.partner_id, c.kind
                  FROM crm_privacy_consent c
                 WHERE c.partner_id = ANY(%(partners)s)
                   AND c.channel = %(channel)s
                   AND (c.purpose_id = %(purpose)s OR c.purpose_id IS NULL)
                   AND (c.use = %(use)s OR c.use IS NULL)
              ORDER BY c.partner_id, c.consent_date DESC, c.id DESC
            ) latest
            WHERE latest.kind = 'opt_in'
            """,
                partners=list(partners._ids),
                channel=channel,
                purpose=purpose.id,
                use=use,
            )
        )
        consenting = {row[0] for row in rows}
        return partners.filtered(lambda p: p.id in consenting)

    def _crm_has_marketing_consent(self, purpose_code, channel, use="own_use"):
        self.ensure_one()
        return bool(self._crm_filter_consenting(self, purpose_code, channel, use))

    def _crm_consent_status(self):
        """Current status per partner: list of dicts purpose/channel/use/kind."""
        if not self.ids:
            return {}
        self.env["crm.privacy.consent"].flush_model()
        rows = self.env.execute_query(
            SQL(
                """
            SELECT DISTINCT ON (c.partner_id, c.purpose_id, c.channel, c.use)
                   c.partner_id, p.name, c.channel, c.use, c.kind
              FROM crm_privacy_consent c
         LEFT JOIN crm_privacy_marketing_purpose p ON p.id = c.purpose_id
             WHERE c.partner_id = ANY(%(ids)s)
          ORDER BY c.partner_id, c.purpose_id, c.channel, c.use,
                   c.consent_date DESC, c.id DESC
            """,
                ids=list(self.ids),
            )
        )
        result = {}
        for partner_id, purpose_name, channel, use, kind in rows:
            if isinstance(purpose_name, dict):
                lang = self.env.lang or "en_US"
                purpose_name = purpose_name.get(lang) or purpose_name.get("en_US")
            result.setdefault(partner_id, []).append(
                {"purpose": purpose_name, "channel": channel, "use": use, "kind": kind}
            )
        return result

    def action_crm_record_consent(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Record Consent"),
            "res_model": "crm.privacy.consent",
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_id": self.id, "default_kind": "opt_in"},
        }

    def action_crm_record_opt_out(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Record Opt-out"),
            "res_model": "crm.privacy.consent",
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_id": self.id, "default_kind": "opt_out"},
        }

    def action_crm_call_list(self):
        return {
            "type": "ir.actions.act_window",
            "name": _("Call List"),
            "res_model": "crm.privacy.call.list.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_ids": [(6, 0, self.ids)]},
        }

    # ------------------------------------------------------------------
    # Retention: legal holds and anonymisation (DPP2(2), s.26)
    # ------------------------------------------------------------------
    def _crm_privacy_held_ids(self):
        """Ids of the partners in ``self`` under an active legal hold."""
        if not self.ids:
            return set()
        holds = self.env["crm.privacy.legal.hold"].sudo()._get_active_holds(self.ids)
        return set(holds.partner_id.ids)

    @api.model
    def _crm_privacy_protected_ids(self):
        """Partners that are never anonymised: users and companies of the database."""
        users = self.env["res.users"].sudo().with_context(active_test=False).search([])
        companies = self.env["res.company"].sudo().search([])
        return set(users.partner_id.ids) | set(companies.partner_id.ids)

    @api.model
    def _crm_retention_recent_activity_ids(self, partner_ids, cutoff):
        """Partners among ``partner_ids`` with activity since ``cutoff``.

        Extended by later modules (sale orders, invoices, repairs...).
        """
        if not partner_ids:
            return set()
        rows = self.env.execute_query(
            SQL(
                """
            SELECT partner_id FROM crm_lead
             WHERE partner_id = ANY(%(ids)s) AND write_date >= %(cutoff)s
               AND crm_anonymised IS NOT TRUE  -- retention's own write is no activity
             UNION
            SELECT partner_id FROM crm_privacy_consent
             WHERE partner_id = ANY(%(ids)s) AND consent_date >= %(cutoff)s
            """,
                ids=list(partner_ids),
                cutoff=cutoff,
            )
        )
        return {row[0] for row in rows}

    def _crm_privacy_retention_filter(self, policy, cutoff, limit=None):
        held = self._crm_privacy_held_ids()
        protected = self._crm_privacy_protected_ids()
        recent = self._crm_retention_recent_activity_ids(self.ids, cutoff)
        kept = {}
        for partner in self:
            if partner.id in held:
                kept[partner.id] = _("Legal hold")
            elif partner.id in protected:
                kept[partner.id] = _("User or company of this database")
            elif partner.id in recent:
                kept[partner.id] = _("Recent activity")
        candidates = self.filtered(lambda p: p.id not in kept)
        return (candidates[:limit] if limit else candidates), kept

    def _crm_privacy_retention_apply(self, policy):
        """Partners are always anonymised: deleting them would break documents."""
        self.sudo()._crm_privacy_anonymise()

    def _crm_privacy_check_erasable(self):
        held = self._crm_privacy_held_ids()
        protected = self._crm_privacy_protected_ids()
        for partner in self:
            if partner.id in held:
                raise UserError(
                    _(
                        "%(partner)s is under a legal hold: the data is kept but restricted "
                        "and cannot be erased.",
                        partner=partner.display_name,
                    )
                )
            if partner.id in protected:
                raise UserError(
                    _(
                        "%(partner)s is a user or company of this database and cannot be "
                        "anonymised.",
                        partner=partner.display_name,
                    )
                )

    def _crm_privacy_anonymise(self):
        """Anonymise customers, keeping the records that reference them.

        Sales and accounting documents keep their partner link and amounts;
        consent records keep their evidence and partner link. Idempotent.
        Callers check access (privacy officer or retention job) first.
        """
        todo = self.filtered(lambda p: not p.crm_anonymised)
        todo._crm_privacy_check_erasable()
        classified = self.env["crm.privacy.field.classification"]._get_classified_fields(self._name)
        for partner in todo.sudo():
            vals = partner._crm_privacy_anonymised_vals(classified)
            partner.with_context(tracking_disable=True, mail_notrack=True).write(vals)
            partner.message_post(body=_("Personal data anonymised (retention or erasure)."))
        return todo

    def _crm_privacy_anonymised_vals(self, classified):
        self.ensure_one()
        vals = {
            "name": pdpo_rules.anonymised_name(self.id),
            "email": False,
            "phone": False,
            "mobile": False,
            "street": False,
            "street2": False,
            "city": False,
            "zip": False,
            "website": False,
            "comment": False,
            "function": False,
            "vat": False,
            "ref": False,
            "image_1920": False,
            "hkid_number": False,
            "passport_number": False,
            "identifier_purpose": False,
            "identifier_purpose_note": False,
            "crm_anonymised": True,
            "crm_anonymised_date": fields.Datetime.now(),
        }
        for fname, (_cat, _sens, anonymise) in classified.items():
            field = self._fields.get(fname)
            if not anonymise or fname in vals or not field or not field.store:
                continue
            if field.type in (
                "char",
                "text",
                "html",
                "date",
                "datetime",
                "selection",
                "many2one",
                "binary",
                "integer",
                "float",
                "boolean",
            ):
                vals[fname] = False
        return vals

    def action_crm_anonymise(self):
        if not self.env.user.has_group("crm_privacy_pdpo.group_privacy_officer"):
            raise AccessError(_("Only a privacy officer can anonymise customers."))
        self._crm_privacy_anonymise()
        return True

    # ------------------------------------------------------------------
    # Display names never carry a field the user may not read: Odoo's
    # show_email / show_address / show_vat contexts append them to the name.
    # ------------------------------------------------------------------
    _CRM_DISPLAY_CONTEXT_FIELDS = {
        "show_email": {"email"},
        "show_address": {"street", "street2", "zip", "city", "state_id", "country_id"},
        "show_vat": {"vat"},
    }

    # Odoo's keys, and the user: what a display name may show depends on who reads it
    @api.depends_context(
        "show_address",
        "partner_show_db_id",
        "address_inline",
        "show_email",
        "show_vat",
        "lang",
        "uid",
    )
    def _compute_display_name(self):
        hidden = set()
        if any(self.env.context.get(k) for k in self._CRM_DISPLAY_CONTEXT_FIELDS):
            # the real user's cap, also when Odoo reads a many2one's name in sudo
            Classification = self.env["crm.privacy.field.classification"].sudo(False)
            hidden = Classification._get_hidden_fields(self._name)
        drop = {
            key: False
            for key, names in self._CRM_DISPLAY_CONTEXT_FIELDS.items()
            if self.env.context.get(key) and names & hidden
        }
        if not drop:
            return super()._compute_display_name()
        # the names without the hidden parts; computed here, as the records
        # being computed cannot be read back through the field
        plain = self.with_context(**drop)
        super(ResPartner, plain)._compute_display_name()
        for partner, other in zip(self, plain, strict=True):
            partner.display_name = other.display_name
