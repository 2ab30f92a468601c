"""The personal data held, as a data subject reads it: per record, the
field's name in the reader's language and its value; empty values left out."""

from odoo import api, models


class ReportCrmPrivacyRequestSnapshot(models.AbstractModel):
    _name = "report.crm_privacy_pdpo.report_crm_privacy_request_snapshot"
    _description = "Personal Data Held (PDF)"

    @api.model
    def _get_report_values(self, docids, data=None):
        requests = self.env["crm.privacy.request"].browse(docids)
        return {
            "doc_ids": docids,
            "doc_model": "crm.privacy.request",
            "docs": requests,
            "sections": {request.id: self._sections(request) for request in requests},
        }

    def _sections(self, request):
        """[(title, [[(label, value)] per record])] of the snapshot."""
        sections = []
        for model_name, content in request._get_snapshot().items():
            if model_name.startswith("_") or model_name not in self.env:
                continue
            Model = self.env[model_name]
            title = self.env["ir.model"]._get(model_name).name or model_name
            labels, selections = {}, {}
            for fname in content.get("fields", []):
                field = Model._fields.get(fname)
                if not field:
                    labels[fname] = fname
                    continue
                labels[fname] = field._description_string(self.env)
                if field.type == "selection":
                    selections[fname] = dict(field._description_selection(self.env))
            records = []
            for row in content.get("records", []):
                pairs = []
                for fname in content.get("fields", []):
                    value = row.get(fname)
                    if value in (None, "", False, "False", "None"):
                        continue
                    if fname in selections:
                        value = selections[fname].get(value, value)
                    pairs.append((labels[fname], value))
                if pairs:
                    records.append(pairs)
            if records:
                sections.append((title, records))
        return sections
