from odoo import models


class SmsComposer(models.TransientModel):
    """A direct-marketing SMS to a customer carries the customer's short
    signed link to the privacy preference centre, in place of Odoo's
    "STOP SMS" link (a customer record without a customer falls back to
    Odoo's link). Service SMS (reminders, order status: comment mode, or a
    mailing a privacy officer marked as a service message) do not. Decided
    by the mailing itself, never by a value a client could set."""

    _inherit = "sms.composer"

    def _crm_privacy_sms_partner(self, record):
        mailing = self.mailing_id
        fname = mailing._crm_privacy_partner_field(record._name)
        if not fname:
            return self.env["res.partner"]
        partner = record if fname == "id" else record[fname]
        return partner if partner._name == "res.partner" else self.env["res.partner"]

    def _crm_privacy_preference_line(self, partner):
        label = self.with_context(lang=partner.lang or self.env.lang).env._(
            "Preferences/opt-out: %(url)s", url=partner._crm_privacy_preference_short_url()
        )
        return label

    def _prepare_mass_sms_trace_values(self, record, sms_values):
        trace_values = super()._prepare_mass_sms_trace_values(record, sms_values)
        if (
            self.composition_mode != "mass"
            or not self.mailing_id.privacy_scoped
            or sms_values.get("state") in ("error", "canceled")
        ):
            return trace_values
        partner = self._crm_privacy_sms_partner(record)
        if partner:
            line = self._crm_privacy_preference_line(partner)
        else:
            url = self._get_unsubscribe_url(
                record.id, trace_values["sms_code"], sms_values["number"]
            )
            line = self._get_unsubscribe_info(url)
        sms_values["body"] = "{}\n{}".format(sms_values["body"] or "", line)
        return trace_values
