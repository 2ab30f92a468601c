from odoo import api, fields, models
from odoo.osv import expression

from ..lib.analytics import rfm as rfm_lib

# consent channel of each mailing type (crm_privacy_pdpo.models.mailing_mailing)
SEGMENT_CHANNELS = {"mail": "email", "sms": "sms"}
MASS_MAILING_GROUP = "mass_mailing.group_mass_mailing_user"


class MailingMailing(models.Model):
    """Campaigns to customer segments, within the sender's branches.

    A mailing to customers can be aimed at a segment (RFM segment, tiers,
    districts, home branches, customers with a consent on record) that fills
    its recipients' domain. Its recipients are computed with the rights of
    the user who queued it (``crm_launched_by_id``): Odoo's queue runs as the
    superuser, and without this a branch-scoped marketing user's campaign
    would reach every branch's customers and search on fields above the
    user's clearance. Consent is then enforced per recipient by
    crm_privacy_pdpo.
    """

    _inherit = "mailing.mailing"

    crm_segment_rfm = fields.Selection(
        rfm_lib.SEGMENTS,
        string="Customer Segment",
        help="Customers of this RFM segment (refreshed every night).",
    )
    crm_segment_tier_ids = fields.Many2many(
        "crm.membership.tier",
        "mailing_mailing_crm_segment_tier_rel",
        "mailing_id",
        "tier_id",
        string="Membership Tiers",
    )
    crm_segment_district_ids = fields.Many2many(
        "crm.hk.district",
        "mailing_mailing_crm_segment_district_rel",
        "mailing_id",
        "district_id",
        string="Districts",
    )
    crm_segment_branch_ids = fields.Many2many(
        "crm.retail.branch",
        "mailing_mailing_crm_segment_branch_rel",
        "mailing_id",
        "branch_id",
        string="Home Branches",
    )
    crm_segment_consenting = fields.Boolean(
        string="Consent on Record Only",
        help="Only customers who have consented to the mailing's purpose on its channel. "
        "Consent is checked again for every recipient when the mailing is sent.",
    )
    crm_launched_by_id = fields.Many2one(
        "res.users",
        string="Sent As",
        readonly=True,
        copy=False,
        crm_system=True,
        help="The user who sent or queued the mailing: it reaches only the customers this "
        "user may see (their branches and clearance).",
    )

    def _crm_has_segment(self):
        self.ensure_one()
        return bool(
            self.crm_segment_rfm
            or self.crm_segment_tier_ids
            or self.crm_segment_district_ids
            or self.crm_segment_branch_ids
            or self.crm_segment_consenting
        )

    def _crm_segment_domain(self):
        """The recipients' domain of the segment: retail customers, Odoo's
        default domain of the mailing type (blacklists), then each criterion."""
        self.ensure_one()
        domain = [("is_retail_customer", "=", True)]
        if self.crm_segment_rfm:
            domain.append(("rfm_segment", "=", self.crm_segment_rfm))
        if self.crm_segment_tier_ids:
            domain.append(("membership_tier_id", "in", self.crm_segment_tier_ids.ids))
        if self.crm_segment_district_ids:
            domain.append(("district_id", "in", self.crm_segment_district_ids.ids))
        if self.crm_segment_branch_ids:
            domain.append(("retail_branch_id", "in", self.crm_segment_branch_ids.ids))
        if self.crm_segment_consenting and self.mailing_type in SEGMENT_CHANNELS:
            consent = [
                ("kind", "=", "opt_in"),
                ("channel", "=", SEGMENT_CHANNELS[self.mailing_type]),
            ]
            if self.privacy_purpose_id:
                consent.append(("purpose_id", "=", self.privacy_purpose_id.id))
            domain.append(("crm_consent_ids", "any", consent))
        return expression.AND([self._get_default_mailing_domain(), domain])

    @api.depends(
        "mailing_model_id",
        "contact_list_ids",
        "mailing_type",
        "mailing_filter_id",
        "privacy_purpose_id",
        "crm_segment_rfm",
        "crm_segment_tier_ids",
        "crm_segment_district_ids",
        "crm_segment_branch_ids",
        "crm_segment_consenting",
    )
    def _compute_mailing_domain(self):
        segmented = self.filtered(
            lambda m: (
                m.mailing_model_name == "res.partner"
                and not m.mailing_filter_id
                and m._crm_has_segment()
            )
        )
        res = super(MailingMailing, self - segmented)._compute_mailing_domain()
        for mailing in segmented:
            mailing.mailing_domain = repr(mailing._crm_segment_domain())
        return res

    # ------------------------------------------------------------------
    # Recipients within the sender's branches and clearance
    # ------------------------------------------------------------------

    def _crm_note_launcher(self):
        """Remember who sends (a client's own call, never the queue's superuser)."""
        if self.env.su:
            return
        user = self.env.user
        todo = self.filtered(lambda m: m.crm_launched_by_id != user)
        if todo:
            todo._crm_system_write().write({"crm_launched_by_id": user.id})

    def action_put_in_queue(self):
        res = super().action_put_in_queue()
        self._crm_note_launcher()
        # Odoo's button answers None, which XML-RPC cannot carry
        return True if res is None else res

    def action_send_mail(self, res_ids=None):
        self._crm_note_launcher()
        return super().action_send_mail(res_ids=res_ids)

    def action_send_sms(self, res_ids=None):
        self._crm_note_launcher()
        return super().action_send_sms(res_ids=res_ids)

    def _crm_recipients_user(self):
        """The user whose rights bound the recipients: the sender when
        branch-scoped, else None (administrators, the privacy officer and
        users outside the Retail CRM roles: as in Odoo)."""
        self.ensure_one()
        user = self.sudo().crm_launched_by_id
        if not user and not self.env.su:
            user = self.env.user
        if not user or not user.sudo().retail_branch_scoped:
            return None
        return user

    def _get_recipients(self):
        user = self._crm_recipients_user()
        if user is None:
            return super()._get_recipients()
        if not user.active or not user.has_group(MASS_MAILING_GROUP):
            # the sender lost the marketing role since: nobody is reached
            return []
        return super(MailingMailing, self.with_user(user))._get_recipients()

    def action_crm_clear_segment(self):
        self.write(
            {
                "crm_segment_rfm": False,
                "crm_segment_tier_ids": [(5, 0, 0)],
                "crm_segment_district_ids": [(5, 0, 0)],
                "crm_segment_branch_ids": [(5, 0, 0)],
                "crm_segment_consenting": False,
            }
        )
        return True
