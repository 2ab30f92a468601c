"""Win-back: one activity per valuable customer at risk of leaving who
consented to win-back offers, after the nightly forecast."""

import datetime

from odoo import _, api, models

from ..lib.analytics import rfm as rfm_lib

WINBACK_PURPOSE = "winback"
CONSENT_CHANNELS = ("email", "sms", "phone", "whatsapp", "post")


class CrmCustomerAnalytics(models.Model):
    _inherit = "crm.customer.analytics"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _analytics_winback_candidates(self):
        """Valuable customers (top monetary quintile or CLV above the threshold)
        whose probability of being active fell below the threshold: their
        res.partner records."""
        threshold = self._analytics_param("winback_p_alive")
        min_clv = self._analytics_param("winback_min_clv")
        valuable = [("rfm_m_score", "=", 5)]
        if min_clv > 0:
            valuable = ["|", ("forecast_clv", ">=", min_clv)] + valuable
        rows = self.search(
            [
                ("partner_id.is_retail_customer", "=", True),
                ("forecast_date", "!=", False),
                ("forecast_p_alive", "<", threshold),
            ]
            + valuable
        )
        return rows.partner_id

    @api.model
    def _analytics_create_winback_activities(self, partners=None):
        """One win-back activity per valuable customer at risk who consented to
        win-back marketing on at least one channel, for the home branch's
        manager (else the salesperson); never two open ones. Returns them."""
        partners = self._analytics_winback_candidates() if partners is None else partners
        activity_type = self.env.ref(
            "crm_retail_compile.mail_activity_type_winback", raise_if_not_found=False
        )
        if not partners or not activity_type:
            return self.env["mail.activity"]
        Activity = self.env["mail.activity"]
        open_ids = set(
            Activity.search(
                [
                    ("res_model", "=", "res.partner"),
                    ("res_id", "in", partners.ids),
                    ("activity_type_id", "=", activity_type.id),
                ]
            ).mapped("res_id")
        )
        partners = partners.filtered(lambda p: p.id not in open_ids)
        if not partners:
            return Activity
        Partner = self.env["res.partner"]
        channels = {}
        labels = dict(
            self.env["crm.privacy.consent"]._fields["channel"]._description_selection(self.env)
        )
        for channel in CONSENT_CHANNELS:
            consenting = Partner._crm_filter_consenting(partners, WINBACK_PURPOSE, channel)
            for partner in consenting:
                channels.setdefault(partner.id, []).append(labels.get(channel, channel))
        model_id = self.env["ir.model"]._get_id("res.partner")
        today = self._analytics_today()
        vals_list = []
        for partner in partners:
            if partner.id not in channels:
                continue
            user = partner.retail_branch_id.manager_id or partner.user_id or self.env.user
            vals_list.append(
                {
                    "res_model_id": model_id,
                    "res_id": partner.id,
                    "activity_type_id": activity_type.id,
                    "user_id": user.id,
                    "date_deadline": today + datetime.timedelta(days=7),
                    "summary": _("Win back %(name)s", name=partner.name),
                    "note": _(
                        "<p>Valuable customer (segment %(segment)s, lifetime value "
                        "%(clv).2f) with a probability of being active of %(p_alive).0f%%.</p>"
                        "<p>Contact only through the consented channel(s): "
                        "<b>%(channels)s</b>.</p>",
                        segment=dict(rfm_lib.SEGMENTS).get(partner.rfm_segment, "-"),
                        clv=partner.forecast_clv,
                        p_alive=100 * partner.forecast_p_alive,
                        channels=", ".join(channels[partner.id]),
                    ),
                }
            )
        return Activity.create(vals_list)
