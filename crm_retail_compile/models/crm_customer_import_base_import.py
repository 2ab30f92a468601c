"""The import dialog (``base_import.import``) of the retail customer list:
passes the file's name, the batch's first row and the test-run flag to the
customer import (crm_customer_import_partner.py), and offers the membership
number (read-only on the form, the key of a customer) as a column."""

from odoo import api, models

FIELDS_DEPTH = 3  # base_import's FIELDS_RECURSION_LIMIT


class BaseImportImport(models.TransientModel):
    _inherit = "base_import.import"  # pylint: disable=consider-merging-classes-inherited

    def _crm_is_customer_import(self):
        return self.res_model == "res.partner" and self._crm_is_customer_import_context()

    def execute_import(self, fields, columns, options, dryrun=False):
        if not self._crm_is_customer_import():
            return super().execute_import(fields, columns, options, dryrun=dryrun)
        importer = self.with_context(
            crm_import_file_name=self.file_name,
            crm_import_wizard_id=self.id,
            crm_import_skip=options.get("skip") or 0,
            crm_import_headers=bool(options.get("has_headers", True)),
            crm_import_dryrun=bool(dryrun),
        )
        return super(BaseImportImport, importer).execute_import(
            fields, columns, options, dryrun=dryrun
        )

    @api.model
    def get_fields_tree(self, model, depth=FIELDS_DEPTH):
        fields_tree = super().get_fields_tree(model, depth=depth)
        if (
            model == "res.partner"
            and self._crm_is_customer_import_context()
            and not any(field["name"] == "membership_number" for field in fields_tree)
        ):
            partner_fields = self.env["res.partner"].fields_get(["membership_number"])
            fields_tree.append(
                {
                    "id": "membership_number",
                    "name": "membership_number",
                    "string": partner_fields["membership_number"]["string"],
                    "required": False,
                    "fields": [],
                    "type": "char",
                    "model_name": "res.partner",
                }
            )
        return fields_tree

    @api.model
    def _crm_is_customer_import_context(self):
        return self.env["res.partner"].with_context(import_file=True)._crm_is_customer_import()
