import datetime
import math
import time

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools.misc import consteq, hmac

from .crm_privacy_consent import CHANNELS
from .crm_privacy_request import CLOSED_STATES

PREFERENCE_SCOPE = "crm_privacy_pdpo.preference_link"
LINK_DAYS_PARAM = "crm_privacy_pdpo.preference_link_days"
DEFAULT_LINK_DAYS = 90
# what a customer may ask to correct online (text fields of the profile)
PORTAL_CORRECTABLE_FIELDS = ("name", "email", "phone", "mobile", "street", "street2", "city", "zip")
MAX_DETAILS = 2000
MAX_VALUE = 256


def _utc_timestamp(value):
    return value.replace(tzinfo=datetime.UTC).timestamp()


class ResPartner(models.Model):
    """The customer's side of the privacy desk: signed links to the
    preference centre, consents and requests made by the customer on the
    portal. Every method here runs on a partner the caller already checked
    (the logged-in user's own partner, or the partner of a valid signed
    link): they are private (never callable over RPC)."""

    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    crm_privacy_links_valid_from = fields.Datetime(
        string="Preference Links Valid From",
        readonly=True,
        copy=False,
        crm_system=True,
        help="Links to the privacy preference centre sent before this time no longer open.",
    )

    # ------------------------------------------------------------------
    # Signed links to the preference centre
    # ------------------------------------------------------------------
    @api.model
    def _crm_privacy_link_days(self):
        value = self.env["ir.config_parameter"].sudo().get_param(LINK_DAYS_PARAM)
        try:
            days = int(value) if value else DEFAULT_LINK_DAYS
        except ValueError:
            days = DEFAULT_LINK_DAYS
        return max(days, 1)

    def _crm_privacy_preference_token(self, issued=None):
        """``<issued, hex>-<HMAC-SHA256 of (partner id, issued)>``: valid for
        ``preference_link_days`` from ``issued`` unless revoked since."""
        self.ensure_one()
        if issued is None:
            issued = int(time.time())
            valid_from = self.sudo().crm_privacy_links_valid_from
            if valid_from:
                issued = max(issued, int(_utc_timestamp(valid_from)))
        signature = hmac(self.env(su=True), PREFERENCE_SCOPE, (self.id, int(issued)))
        return f"{int(issued):x}-{signature}"

    def _crm_privacy_preference_url(self):
        self.ensure_one()
        token = self._crm_privacy_preference_token()
        return f"{self.get_base_url()}/privacy/preferences/{self.id}/{token}"

    @api.model
    def _crm_privacy_partner_from_token(self, partner_id, token):
        """The partner of a signed link (as superuser, the token being the
        check), or an empty recordset for an unknown customer, a wrong,
        expired or revoked token alike."""
        empty = self.browse()
        if not isinstance(partner_id, int) or not 0 < partner_id < 2**31:
            return empty
        if not isinstance(token, str) or len(token) > 100 or "-" not in token:
            return empty
        issued_hex, signature = token.split("-", 1)
        try:
            issued = int(issued_hex, 16)
        except ValueError:
            return empty
        expected = hmac(self.env(su=True), PREFERENCE_SCOPE, (partner_id, issued))
        if not consteq(expected, signature):
            return empty
        now = time.time()
        if issued > now + 300 or now - issued > self._crm_privacy_link_days() * 86400:
            return empty
        partner = self.sudo().browse(partner_id).exists()
        if not partner or not partner.active or partner.crm_anonymised:
            return empty
        valid_from = partner.crm_privacy_links_valid_from
        if valid_from and issued < _utc_timestamp(valid_from):
            return empty
        return partner

    def action_crm_privacy_revoke_preference_links(self):
        """Links to the preference centre sent so far stop working."""
        if not (self.env.su or self.env.user.has_group("crm_privacy_pdpo.group_privacy_officer")):
            raise AccessError(_("Only a privacy officer revokes preference links."))
        # revoking only takes access away: seeing the customer is enough
        self.check_access("read")
        # rounded up: every link issued until now (whole seconds) is older
        valid_from = datetime.datetime.fromtimestamp(math.ceil(time.time()), datetime.UTC)
        # after the checks above: officers need not edit contacts to revoke
        self.sudo().write({"crm_privacy_links_valid_from": valid_from.replace(tzinfo=None)})
        note = _("Links to the privacy preference centre revoked.")
        self.sudo()._message_log_batch(bodies=dict.fromkeys(self.ids, note))
        return True

    # ------------------------------------------------------------------
    # Preference centre
    # ------------------------------------------------------------------
    @api.model
    def _crm_privacy_portal_choices(self):
        """(purposes, channels, active notice) the preference centre offers:
        the marketing subjects of the active collection notice (else every
        active purpose) on every channel."""
        pics = self.env["crm.privacy.pics"].sudo()._get_active()
        purposes = pics.marketing_purpose_ids.filtered("active")
        if not purposes:
            purposes = self.env["crm.privacy.marketing.purpose"].sudo().search([])
        return purposes, [code for code, _label in CHANNELS], pics

    def _crm_privacy_consent_matrix(self, purposes, channels):
        """{(purpose id, channel): "opt_in" | "opt_out" | None} for own use:
        the latest record wins, an opt-out of all purposes or uses counts
        (the rule of ``_crm_filter_consenting``, which sends read)."""
        self.ensure_one()
        consents = (
            self.env["crm.privacy.consent"]
            .sudo()
            .search_fetch(
                [("partner_id", "=", self.id), ("channel", "in", list(channels))],
                ["purpose_id", "channel", "use", "kind"],
                order="consent_date desc, id desc",
            )
        )
        matrix = {}
        for purpose in purposes:
            for channel in channels:
                matrix[(purpose.id, channel)] = next(
                    (
                        consent.kind
                        for consent in consents
                        if consent.channel == channel
                        and consent.purpose_id.id in (purpose.id, False)
                        and consent.use in ("own_use", False)
                    ),
                    None,
                )
        return matrix

    def _crm_privacy_portal_record_consents(self, changes, evidence, pics):
        """Record ``changes`` [(purpose, channel, kind)] made by the customer
        as consent records (source: customer portal) with ``evidence``; an
        opt-in refers to the active notice ``pics``, recorded as given
        online when it was not given before."""
        self.ensure_one()
        if not changes:
            return self.env["crm.privacy.consent"]
        partner = self.sudo()
        opt_in = any(kind == "opt_in" for _purpose, _channel, kind in changes)
        if opt_in and not pics:
            raise UserError(_("No collection notice is published: consents cannot be given yet."))
        if pics:
            Ack = self.env["crm.privacy.pics.acknowledgement"].sudo()
            if not Ack.search_count([("partner_id", "=", partner.id), ("pics_id", "=", pics.id)]):
                Ack.create({"partner_id": partner.id, "pics_id": pics.id, "channel": "online"})
        now = fields.Datetime.now()
        consents = (
            self.env["crm.privacy.consent"]
            .sudo()
            .create(
                [
                    {
                        "partner_id": partner.id,
                        "purpose_id": purpose.id,
                        "channel": channel,
                        "use": "own_use",
                        "kind": kind,
                        "source": "portal",
                        "consent_date": now,
                        "pics_id": pics.id if pics else False,
                        "evidence": evidence,
                    }
                    for purpose, channel, kind in changes
                ]
            )
        )
        labels = self.env["crm.privacy.consent"]._get_labels()
        lines = Markup("").join(
            Markup("<li>%s - %s: %s</li>")
            % (purpose.name, labels.get(channel, channel), labels.get(kind, kind))
            for purpose, channel, kind in changes
        )
        partner._message_log(
            body=Markup("%s<ul>%s</ul>")
            % (_("Direct-marketing preferences changed by the customer, via the portal:"), lines)
        )
        partner._crm_privacy_portal_unblacklist(
            {channel for _p, channel, kind in changes if kind == "opt_in"}
        )
        return consents

    def _crm_privacy_portal_unblacklist(self, channels):
        """A customer who once unsubscribed (Odoo's blacklist: an opt-out of
        every purpose on the channel) and now switches a purpose on in the
        preference centre asks to be contacted again on that channel: the
        blacklist entry is archived with a note, otherwise Odoo would still
        cancel every mail or SMS. The consent rules keep applying per
        purpose, so only the purposes switched on are reached."""
        self.ensure_one()
        partner = self.sudo()
        note = _("Opted in again by the customer in the privacy preference centre.")
        if "email" in channels and partner.email_normalized:
            Blacklist = (
                self.env["mail.blacklist"].sudo().with_context(crm_privacy_from_consent=True)
            )
            if Blacklist.search_count([("email", "=", partner.email_normalized)]):
                Blacklist._remove(partner.email_normalized, message=note)
        numbers = {partner.phone_sanitized} - {False}
        if channels & {"sms", "whatsapp"} and numbers:
            Blacklist = (
                self.env["phone.blacklist"].sudo().with_context(crm_privacy_from_consent=True)
            )
            listed = Blacklist.search([("number", "in", list(numbers))])
            if listed:
                Blacklist._remove(listed.mapped("number"), message=note)

    # ------------------------------------------------------------------
    # Access and correction requests
    # ------------------------------------------------------------------
    @api.model
    def _crm_privacy_request_officer(self):
        """The privacy officer who receives the requests made online: the
        first privacy officer who is not a system administrator, else the
        first one."""
        group = self.env.ref("crm_privacy_pdpo.group_privacy_officer").sudo()
        officers = group.users.filtered(lambda user: user.active and not user.share)
        admins = self.env.ref("base.group_system").sudo().users
        officers = officers.sorted(lambda user: (user in admins, user.id))
        return officers[:1] or self.env.ref("base.user_admin").sudo()

    def _crm_privacy_portal_requests(self):
        self.ensure_one()
        return (
            self.env["crm.privacy.request"]
            .sudo()
            .search([("partner_id", "=", self.id)], order="received_date desc, id desc")
        )

    def _crm_privacy_portal_submit_request(self, request_type, details, corrections, evidence):
        """A data access or correction request received from the customer
        (already checked) on the portal: received today (Hong Kong day), the
        40-day clock starts now; the privacy officer verifies the identity
        as for any request and gets the deadline activity. ``corrections``:
        [(field name, new value)] among PORTAL_CORRECTABLE_FIELDS."""
        self.ensure_one()
        partner = self.sudo()
        Request = self.env["crm.privacy.request"].sudo()
        if request_type not in ("access", "correction"):
            raise UserError(_("Choose a data access or a data correction request."))
        details = (details or "").strip()
        if len(details) > MAX_DETAILS:
            raise UserError(
                _("Please describe your request in at most %(max)s characters.", max=MAX_DETAILS)
            )
        if request_type == "correction" and not (corrections or details):
            raise UserError(_("Tell us which data is inaccurate and what it should be."))
        for fname, value in corrections:
            if fname not in PORTAL_CORRECTABLE_FIELDS:
                raise UserError(_("This data cannot be corrected online: describe it instead."))
            if len(value or "") > MAX_VALUE:
                raise UserError(
                    _("A corrected value has at most %(max)s characters.", max=MAX_VALUE)
                )
        already = Request.search(
            [
                ("partner_id", "=", partner.id),
                ("request_type", "=", request_type),
                ("state", "not in", CLOSED_STATES),
            ],
            limit=1,
        )
        if already:
            raise UserError(
                _(
                    "Your request %(name)s of this kind is still open: we answer it first.",
                    name=already.name,
                )
            )
        officer = self._crm_privacy_request_officer()
        today = fields.Date.context_today(partner.with_context(tz=officer.tz or "Asia/Hong_Kong"))
        Fields = self.env["ir.model.fields"].sudo()
        request = Request.create(
            {
                "request_type": request_type,
                "partner_id": partner.id,
                "requester_name": partner.name,
                "request_details": details,
                "received_date": today,
                "user_id": officer.id,
                "correction_ids": [
                    (0, 0, {"field_id": Fields._get("res.partner", fname).id, "new_value": value})
                    for fname, value in corrections
                ],
            }
        )
        request.message_post(
            body=_(
                "Received from the customer, via the portal (%(evidence)s). Verify the "
                "requester's identity before disclosing or correcting any data.",
                evidence=evidence,
            ),
            subtype_xmlid="mail.mt_note",
        )
        partner._message_log(
            body=_(
                "%(type)s %(name)s submitted by the customer, via the portal.",
                type=dict(Request._fields["request_type"]._description_selection(self.env))[
                    request_type
                ],
                name=request.name,
            )
        )
        return request
