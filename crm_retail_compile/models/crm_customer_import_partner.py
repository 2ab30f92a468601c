"""Odoo's import dialog on the retail customer list: rows become payloads of
the integration API's customer upsert (``crm.customer.import._upsert``), so
that a spreadsheet is matched, normalised and checked exactly like an
e-shop's batch.

An import is a customer import when the dialog was opened from the retail
customer list (its action's context ``default_is_retail_customer``) or the
caller says so (``crm_customer_import``); every other import of contacts is
Odoo's own ``load``.
"""

from odoo import _, api, fields, models

from ..lib import api_schema
from ..lib import customer_import_template as template
from .crm_customer_import import MAX_ERROR_LINES


class ResPartner(models.Model):
    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    crm_customer_import_ids = fields.Many2many(
        "crm.customer.import",
        "crm_customer_import_partner_rel",
        "partner_id",
        "import_id",
        string="Customer Imports",
        readonly=True,
        copy=False,
    )

    @api.model
    def _crm_is_customer_import(self):
        context = self.env.context
        return bool(
            context.get("import_file")
            and (context.get("crm_customer_import") or context.get("default_is_retail_customer"))
        )

    @api.model
    def load(self, fields, data):
        if not self._crm_is_customer_import():
            return super().load(fields, data)
        return self._crm_load_customers(fields, data)

    @api.model
    def _crm_load_customers(self, fields, data):
        """``load`` of the customer import: returns what Odoo's ``load``
        returns ({ids, messages, nextrow}); the rows the upsert refuses are
        reported one by one, the others are written."""
        context = self.env.context
        unknown = [f for f in fields if f not in template.FIELD_KEYS]
        if unknown:
            return {
                "ids": False,
                "nextrow": 0,
                "messages": [
                    {
                        "type": "error",
                        "message": _(
                            "The customer import takes the columns of its template (%(columns)s); "
                            "%(unknown)s is not one of them. Import other contact data from "
                            "the Contacts app.",
                            columns=", ".join(self._fields[f].string for f in template.FIELD_KEYS),
                            unknown=", ".join(str(f) for f in unknown),
                        ),
                    }
                ],
            }
        Import = self.env["crm.customer.import"]
        Import._check_import_access()
        limit = context.get("_import_limit") or len(data)
        rows = data[:limit]
        nextrow = limit if len(data) > limit else 0
        first_row = int(context.get("crm_import_skip") or 0) + (
            2 if context.get("crm_import_headers", True) else 1
        )
        record = Import._dialog_record(context.get("crm_import_wizard_id") or 0)
        lookups = Import._lookups()
        keys = [template.FIELD_KEYS[f] for f in fields]
        payloads, positions, results = [], [], [None] * len(rows)
        for position, row in enumerate(rows):
            payload, error = template.row_payload(keys, row, lookups)
            if error:
                results[position] = {"index": position, "ok": False, "error": error}
            else:
                positions.append(position)
                payloads.append(payload)
        size = api_schema.MAX_BATCH  # the dialog's batch size is the user's choice
        for start in range(0, len(payloads), size):
            response = Import._upsert(payloads[start : start + size])
            for position, result in zip(
                positions[start : start + size], response["results"], strict=True
            ):
                results[position] = dict(result, index=position)
        counts, _errors = record._record_batch(
            {"results": results}, [first_row + i for i in range(len(rows))]
        )
        failed = [r for r in results if not r["ok"]]
        dryrun = context.get("crm_import_dryrun")
        if not dryrun and (failed or not nextrow):
            record._finish()  # the dialog stops at a batch with errors
        ids = list(dict.fromkeys(r["id"] for r in results if r["ok"]))
        messages = []
        if failed:
            messages.append(
                {
                    "type": "warning",
                    "message": _(
                        "%(created)s customers created, %(updated)s updated, %(merged)s rows "
                        "merged with an earlier row of the same customer; %(rejected)s rows "
                        "rejected (below). %(saved)s",
                        created=counts["created"],
                        updated=counts["updated"],
                        merged=counts["duplicates"],
                        rejected=counts["rejected"],
                        saved=_("Nothing was saved (test run).")
                        if dryrun
                        else _(
                            "The other rows are saved: correct the rejected rows and import "
                            "the file again (customers already imported are matched, not "
                            "duplicated)."
                        ),
                    ),
                }
            )
            for result in failed[:MAX_ERROR_LINES]:
                position = result["index"]
                messages.append(
                    {
                        "type": "error",
                        "message": result["error"],
                        "record": first_row + position,
                        "rows": {"from": position, "to": position},
                    }
                )
        return {"ids": ids, "messages": messages, "nextrow": 0 if failed else nextrow}

    def action_crm_import_template(self):
        """List button "Import Template": download the customer template."""
        self.env["crm.customer.import"]._check_import_access()
        return {
            "type": "ir.actions.act_url",
            "url": "/crm_retail_compile/customer_import_template",
            "target": "download",
        }
