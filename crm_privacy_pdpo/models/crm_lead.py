from odoo import _, fields, models
from odoo.exceptions import AccessError


class CrmLead(models.Model):
    _inherit = "crm.lead"

    crm_anonymised = fields.Boolean(string="Anonymised", readonly=True, copy=False)

    def _crm_privacy_retention_filter(self, policy, cutoff, limit=None):
        held = self.mapped("partner_id")._crm_privacy_held_ids()
        kept = {
            lead.id: _("Customer under legal hold") for lead in self if lead.partner_id.id in held
        }
        candidates = self.filtered(lambda lead: lead.id not in kept)
        return (candidates[:limit] if limit else candidates), kept

    def _crm_privacy_anonymise(self):
        todo = self.filtered(lambda lead: not lead.crm_anonymised)
        classified = self.env["crm.privacy.field.classification"]._get_classified_fields(self._name)
        for lead in todo:
            vals = {
                "contact_name": False,
                "partner_name": False,
                "email_from": False,
                "phone": False,
                "mobile": False,
                "street": False,
                "street2": False,
                "city": False,
                "zip": False,
                "website": False,
                "description": False,
                "function": False,
                "crm_anonymised": True,
                "name": _("Anonymised lead #%(id)s", id=lead.id),
            }
            for fname, (_cat, _sens, anonymise) in classified.items():
                field = self._fields.get(fname)
                if anonymise and field and field.store and not field.required:
                    vals.setdefault(fname, False)
            lead.with_context(tracking_disable=True, mail_notrack=True).write(vals)
        return todo

    def action_crm_anonymise(self):
        if not self.env.user.has_group("crm_privacy_pdpo.group_privacy_officer"):
            raise AccessError(_("Only a privacy officer can anonymise leads."))
        self.sudo()._crm_privacy_anonymise()
        return True
