"""Orders from the e-shop and POS over the integration API (order_record):
one order per external reference and company."""

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from ..lib import api_schema
from ..lib.api_schema import ApiInputError
from .crm_retail_api import CREATE_CONTEXT, api_method


# One file per concern of the API (see crm_retail_api.py).
class CrmRetailApi(models.AbstractModel):
    _inherit = "crm.retail.api"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # Orders
    # ------------------------------------------------------------------
    @api.model
    @api_method
    def order_record(self, order, idempotency_key=None):
        """Record an order from the e-shop or POS: {"external_ref", "customer":
        ref, "branch": code, "date": ISO, "confirm": bool, "channel": "store" |
        "online" | "wholesale" | "phone", "lines": [{"product": default_code,
        "qty": n, "price_unit": x, "discount": pct}]}. Without a channel the
        order is online on the online-store branch and in store elsewhere.
        The same external_ref never creates a second order."""
        self._check_api_access()
        if not isinstance(order, dict):
            raise ValidationError(_("An order must be a struct."))
        ref = order.get("external_ref")
        return self._call_once(
            idempotency_key,
            "order_record",
            order,
            lambda api_model: api_model._order_record(order),
            # references are unique per company: calls with the same one wait
            # for each other, whoever the caller
            lock_keys=[f"order:{self.env.company.id}:{ref}"] if isinstance(ref, str) else [],
        )

    @api.model
    def _find_api_order(self, ref):
        """The id of the order the API recorded with ``ref`` in the current
        company, whoever recorded it (the references are unique per company:
        a unique index of sale_order)."""
        self.env["sale.order"].flush_model(["client_order_ref", "origin", "company_id"])
        rows = self.env.execute_query(
            SQL(
                "SELECT id FROM sale_order WHERE client_order_ref = %s "
                "AND origin = 'crm_retail_api' AND company_id = %s",
                ref,
                self.env.company.id,
            )
        )
        return rows[0][0] if rows else None

    @api.model
    def _api_order_channel(self, branch_id):
        """The channel of an API order sent without one: the e-shop's orders
        (on the online-store branch) are online, the others (the shops'
        systems) in store."""
        branch = self.env["crm.retail.branch"].browse(branch_id or [])
        return "online" if branch.is_online else "store"

    @api.model
    def _order_record(self, order):
        try:
            cleaned = api_schema.clean_order(order)
        except ApiInputError as error:
            raise ValidationError(str(error)) from None
        ref = cleaned["external_ref"]
        SaleOrder = self.env["sale.order"]
        existing_id = self._find_api_order(ref)
        if existing_id:
            # a resent reference returns the first order (as for a retry),
            # to whichever integration user sent it, if it may read it
            if existing_id not in self._readable_ids("sale.order", [existing_id]):
                raise ValidationError(
                    _(
                        "The external reference %(ref)s is already used by another order.",
                        ref=ref,
                    )
                )
            existing = SaleOrder.browse(existing_id)
            return {
                "id": existing.id,
                "name": existing.name,
                "created": False,
                "state": existing.state,
                "amount_untaxed": existing.amount_untaxed,
            }
        partner = self._customer_ref(order.get("customer"))
        lines = cleaned["lines"]
        line_vals = []
        for index, line in enumerate(lines):
            try:
                line_vals.append(api_schema.clean_order_line(line))
            except ApiInputError as error:
                raise ValidationError(
                    _("Line %(index)s: %(error)s", index=index, error=error)
                ) from None
        products = self._resolve_codes(
            "product.product", {line["product"] for line in lines}, "default_code"
        )
        for index, (line, vals) in enumerate(zip(lines, line_vals, strict=True)):
            if line["product"] not in products:
                raise ValidationError(
                    _(
                        "Line %(index)s: unknown product %(code)s",
                        index=index,
                        code=repr(line["product"]),
                    )
                )
            vals["product_id"] = products[line["product"]]
        vals = {
            "partner_id": partner.id,
            "client_order_ref": ref,
            "origin": "crm_retail_api",
            "order_line": [fields.Command.create(vals) for vals in line_vals],
        }
        if cleaned["branch"]:
            branches = self._resolve_codes("crm.retail.branch", [cleaned["branch"]])
            if cleaned["branch"] not in branches:
                raise ValidationError(_("Unknown branch code %(code)s.", code=cleaned["branch"]))
            vals["retail_branch_id"] = branches[cleaned["branch"]]
        else:
            branch_id = self._default_branch_id(partner.retail_branch_id.id)
            if branch_id:
                vals["retail_branch_id"] = branch_id
        if cleaned["date"]:
            vals["date_order"] = cleaned["date"]
        vals["crm_sales_channel"] = cleaned["channel"] or self._api_order_channel(
            vals.get("retail_branch_id")
        )
        sale = SaleOrder.with_context(**CREATE_CONTEXT).create(vals)
        if cleaned["confirm"]:
            sale.action_confirm()
        return {
            "id": sale.id,
            "name": sale.name,
            "created": True,
            "state": sale.state,
            "amount_untaxed": sale.amount_untaxed,
        }
