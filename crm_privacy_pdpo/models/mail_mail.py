from markupsafe import Markup

from odoo import models, tools


class MailMail(models.Model):
    """Every direct-marketing e-mail to a customer ends with the customer's
    own signed link to the privacy preference centre (no login needed), next
    to Odoo's unsubscribe link."""

    _inherit = "mail.mail"

    def _crm_privacy_recipient_partner(self):
        """The customer a mass-mailing e-mail goes to, when the mailing is
        direct marketing to customers."""
        self.ensure_one()
        mailing = self.mailing_id
        if not (self.res_id and mailing and mailing.privacy_scoped):
            return self.env["res.partner"]
        fname = mailing._crm_privacy_partner_field(mailing.mailing_model_real)
        record = self.env[mailing.mailing_model_real].sudo().browse(self.res_id).exists()
        partner = record if fname == "id" else record[fname] if record else record
        return partner if partner and partner._name == "res.partner" else self.env["res.partner"]

    def _prepare_outgoing_list(self, mail_server=False, recipients_follower_status=None):
        email_list = super()._prepare_outgoing_list(
            mail_server=mail_server, recipients_follower_status=recipients_follower_status
        )
        partner = self._crm_privacy_recipient_partner()
        if not partner:
            return email_list
        url = partner._crm_privacy_preference_url()
        label = self.with_context(lang=partner.lang or self.env.lang).env._(
            "Manage your marketing preferences"
        )
        footer = Markup(
            '<p class="o_crm_privacy_preferences_link" style="font-size: 12px;">'
            '<a href="%s">%s</a></p>'
        ) % (url, label)
        for email_values in email_list:
            if not tools.is_html_empty(email_values.get("body")):
                email_values["body"] = tools.mail.append_content_to_html(
                    email_values["body"], footer, plaintext=False
                )
            if email_values.get("body_alternative"):
                email_values["body_alternative"] = (
                    f"{email_values['body_alternative']}\n\n{label}: {url}"
                )
        return email_list
