from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

CHANNELS = [
    ("email", "Email"),
    ("sms", "SMS"),
    ("phone", "Phone call"),
    ("whatsapp", "WhatsApp"),
    ("post", "Post"),
]
USES = [
    ("own_use", "Own use"),
    ("third_party", "Provision to third parties"),
    ("third_party_gain", "Provision to third parties for gain"),
]
KINDS = [("opt_in", "Consent"), ("opt_out", "Opt-out / withdrawal")]
SOURCES = [
    ("form", "Paper form"),
    ("pos", "Point of sale"),
    ("web", "Website"),
    ("phone", "Phone"),
    ("email", "Email reply"),
    ("blacklist", "Unsubscribe / blacklist"),
    ("app", "Mobile app"),
    ("portal", "Customer portal"),
]


class CrmPrivacyConsent(models.Model):
    """Append-only history of direct-marketing consents and opt-outs (Part 6A).

    The current status of a (partner, purpose, channel, use) is its latest
    record. Records are never edited or deleted: a correction is a new record.
    """

    _name = "crm.privacy.consent"
    _description = "Direct Marketing Consent Record"
    _order = "consent_date desc, id desc"
    _rec_name = "partner_id"

    # Technical fields internal code may set later (as superuser only).
    _CRM_TECHNICAL_FIELDS = frozenset({"blacklist_synced"})

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, ondelete="restrict", index=True
    )
    purpose_id = fields.Many2one(
        "crm.privacy.marketing.purpose",
        string="Marketing Purpose",
        ondelete="restrict",
        index=True,
        help="Empty on an opt-out means: all purposes.",
    )
    channel = fields.Selection(CHANNELS, required=True, default="email")
    use = fields.Selection(USES, default="own_use", help="Empty on an opt-out means: all uses.")
    kind = fields.Selection(KINDS, required=True, default="opt_in")
    consent_date = fields.Datetime(
        string="Date", required=True, default=fields.Datetime.now, index=True
    )
    source = fields.Selection(SOURCES, required=True, default="form")
    pics_id = fields.Many2one(
        "crm.privacy.pics",
        string="Collection Notice Version",
        ondelete="restrict",
        domain=[("state", "in", ("active", "superseded"))],
    )
    user_id = fields.Many2one(
        "res.users",
        string="Recorded By",
        default=lambda self: self.env.user,
        required=True,
        ondelete="restrict",
    )
    evidence = fields.Text()
    evidence_attachment_ids = fields.Many2many(
        "ir.attachment",
        "crm_privacy_consent_attachment_rel",
        "consent_id",
        "attachment_id",
        string="Evidence Files",
    )
    grandfathered = fields.Boolean(
        help="Data used for direct marketing before 1 April 2013 (s.35D): no new "
        "consent was needed for the same class of marketing subjects.",
    )
    blacklist_synced = fields.Boolean(readonly=True, copy=False, crm_system=True)
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company, index=True)

    @api.model
    def _get_labels(self):
        labels = dict(CHANNELS)
        labels.update(dict(USES))
        labels.update(dict(KINDS))
        return {k: str(v) for k, v in labels.items()}

    @api.model
    def _check_channel_use(self, channel, use):
        if channel not in dict(CHANNELS):
            raise UserError(_("Unknown marketing channel: %(channel)s", channel=channel))
        if use not in dict(USES):
            raise UserError(_("Unknown use of personal data: %(use)s", use=use))

    @api.constrains("kind", "purpose_id", "use", "pics_id", "grandfathered", "consent_date")
    def _check_consent(self):
        now = fields.Datetime.now()
        for record in self:
            if record.kind == "opt_in":
                if not record.purpose_id or not record.use:
                    raise ValidationError(
                        _("A consent is given for a specific marketing purpose and use.")
                    )
                if not record.pics_id and not record.grandfathered:
                    raise ValidationError(
                        _(
                            "A consent must refer to the collection notice (PICS) version the "
                            "customer was given (s.35C)."
                        )
                    )
            if record.consent_date and record.consent_date > now:
                raise ValidationError(_("A consent or opt-out cannot be dated in the future."))

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            partner_ids = {vals.get("partner_id") for vals in vals_list if vals.get("partner_id")}
            partners = self.env["res.partner"].browse(partner_ids)
            # Users may only record consents of customers they may see.
            partners.check_access("read")
            for vals in vals_list:
                # the recorder is the user; blacklist_synced is system-set
                # (crm_system: refused from clients)
                vals["user_id"] = self.env.user.id
        records = super().create(vals_list)
        records._crm_sync_blacklists()
        return records

    def write(self, vals):
        if (
            self.env.su
            and self.env.context.get("crm_privacy_internal")
            and set(vals) <= (self._CRM_TECHNICAL_FIELDS)
        ):
            return super().write(vals)
        raise UserError(
            _(
                "Consent records are an append-only history and cannot be changed: record a "
                "new consent or opt-out instead."
            )
        )

    def unlink(self):
        if self:
            raise UserError(_("Consent records are an append-only history and cannot be deleted."))
        return super().unlink()

    def _crm_sync_blacklists(self):
        """A global opt-out (all purposes) adds the email / number to Odoo's blacklists."""
        if self.env.context.get("crm_privacy_from_blacklist"):
            return
        to_sync = self.filtered(lambda c: c.kind == "opt_out" and not c.purpose_id)
        emails, numbers = set(), set()
        for consent in to_sync:  # the partners of all consents are read together
            partner = consent.partner_id.sudo()
            if consent.channel == "email" and partner.email_normalized:
                emails.add(partner.email_normalized)
            elif consent.channel in ("sms", "whatsapp") and (
                partner.phone_sanitized or partner.mobile
            ):
                try:
                    numbers.add(
                        self.env.user._phone_format(
                            number=partner.phone_sanitized or partner.mobile,
                            raise_exception=True,
                        )
                    )
                except UserError:
                    continue  # not a number a blacklist can hold
        message = _("Direct marketing opt-out")
        if emails:
            self._crm_blacklist_add(self.env["mail.blacklist"], "email", emails, message)
        if numbers:
            self._crm_blacklist_add(self.env["phone.blacklist"], "number", numbers, message)
        to_sync.sudo().with_context(crm_privacy_internal=True).write({"blacklist_synced": True})

    @api.model
    def _crm_blacklist_add(self, Blacklist, field, values, message):
        """Odoo's blacklist ``_add`` for many addresses at once: archived
        entries are reactivated, missing ones created, and each gets the
        note; a few queries for a batch instead of five per address (an
        opt-out of 1,000 customers took 21 s)."""
        Blacklist = Blacklist.sudo().with_context(crm_privacy_from_consent=True, active_test=False)
        existing = Blacklist.search([(field, "in", sorted(values))])
        archived = existing.filtered(lambda entry: not entry.active)
        if archived:
            archived._track_set_log_message(message)
            archived.action_unarchive()
        missing = sorted(set(values) - set(existing.mapped(field)))
        if missing:
            created = Blacklist.with_context(
                mail_create_nolog=True, mail_create_nosubscribe=True
            ).create([{field: value} for value in missing])
            created._message_log_batch(bodies=dict.fromkeys(created.ids, message))

    @api.model
    def _crm_record_blacklist_opt_out(self, partners, channel):
        """Record the opt-out of partners who unsubscribed through a blacklist."""
        if self.env.context.get("crm_privacy_from_consent") or not partners:
            return self.browse()
        vals_list = [
            {
                "partner_id": partner.id,
                "channel": channel,
                "kind": "opt_out",
                "purpose_id": False,
                "use": False,
                "source": "blacklist",
                "evidence": _("Unsubscribed through the %(channel)s blacklist.", channel=channel),
                "blacklist_synced": True,
            }
            for partner in partners
        ]
        return self.sudo().with_context(crm_privacy_from_blacklist=True).create(vals_list)
