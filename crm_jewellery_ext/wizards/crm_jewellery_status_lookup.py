from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..lib import lookup

LOOKUP_GROUP = "crm_retail_compile.group_branch_staff"


class CrmJewelleryStatusLookup(models.TransientModel):
    """Status of a custom order or repair for staff of any branch.

    The branch rule hides other branches' orders and repairs. A customer may
    still ask any shop about them, so this lookup answers with the status
    only: reference, kind, status, ready date and branch, never the customer,
    prices or notes. It needs an exact reference or a full phone number (no
    partial search), returns at most a few rows, and each answer about
    another branch's record is logged in that record's chatter.
    """

    _name = "crm.jewellery.status.lookup"
    _description = "Order and Repair Status Lookup"

    query = fields.Char(
        string="Reference or Phone",
        required=True,
        help="The exact reference (e.g. JCO/2025/00012, WH/RO/00007) or the customer's "
        "full phone number.",
    )
    line_ids = fields.One2many("crm.jewellery.status.lookup.line", "lookup_id", readonly=True)

    def action_lookup(self):
        self.ensure_one()
        results = self.lookup_status(self.query)
        self.line_ids.unlink()
        self.write({"line_ids": [(0, 0, vals) for vals in results]})
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    @api.model
    def lookup_status(self, query):
        """Public entry point (also over RPC): a list of dicts with
        reference, kind, status, ready_date, branch and branch_phone."""
        if not self.env.user.has_group(LOOKUP_GROUP):
            raise AccessError(_("Only branch staff can look up order and repair status."))
        try:
            kind, value = lookup.classify(query)
        except lookup.LookupError_ as exc:
            raise UserError(
                _(
                    "Give the exact reference (at least %(n)s characters) or the full phone "
                    "number.",
                    n=lookup.MIN_REFERENCE_LENGTH,
                )
            ) from exc
        return self._lookup(kind, value)

    @api.model
    def _lookup(self, kind, value):
        """Find the records as superuser (the caller checked the user and the
        query) and return only their status fields."""
        if kind == "reference":
            match = SQL("UPPER(r.name) = %s", value)
        else:
            # crm_retail_compile's one phone key, served by its expression
            # indexes on res_partner (crm_customer_identity.py)
            match = SQL(
                "(crm_phone_key(p.phone) = %(d)s OR crm_phone_key(p.mobile) = %(d)s)",
                d=value,
            )
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """SELECT * FROM (
                     SELECT 'crm.jewellery.custom.order', r.id, r.create_date
                       FROM crm_jewellery_custom_order r
                       JOIN res_partner p ON p.id = r.partner_id
                      WHERE %(match)s
                     UNION ALL
                     SELECT 'repair.order', r.id, r.create_date
                       FROM repair_order r
                       JOIN res_partner p ON p.id = r.partner_id
                      WHERE %(match)s
                   ) found ORDER BY create_date DESC LIMIT %(limit)s""",
                match=match,
                limit=lookup.MAX_RESULTS,
            )
        )
        user = self.env.user
        allowed = set(user.retail_branch_ids.ids)
        results = []
        kinds = {
            "crm.jewellery.custom.order": _("Custom Order"),
            "repair.order": _("Repair"),
        }
        for res_model, res_id, _create_date in rows:
            rec = self.env[res_model].sudo().browse(res_id)
            branch = rec.retail_branch_id
            results.append(
                {
                    "reference": rec.name,
                    "kind": kinds[res_model],
                    "status": rec._jewellery_status_text_en(),
                    "ready_date": rec.ready_date or False,
                    "branch": branch.display_name or "",
                    "branch_phone": branch.phone or "",
                    "own_branch": not branch or branch.id in allowed,
                }
            )
            if branch and branch.id not in allowed:
                rec.message_post(
                    body=_(
                        "Status looked up by %(user)s (branch %(branch)s).",
                        user=user.name,
                        branch=user.retail_branch_id.display_name or "-",
                    ),
                    message_type="notification",
                    subtype_xmlid="mail.mt_note",
                )
        return results
