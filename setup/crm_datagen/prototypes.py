"""Prototype defaults: the COPY layout of each bulk table.

The generator sets only some columns itself (``*_VARIABLE`` below, with a
printf format each).  Every other column gets the value the ORM writes for
a prototype customer, product and order with one line, created in a
savepoint that is rolled back (:func:`capture_prototypes`), so NOT NULL
columns and defaults of every installed module are filled; ``*_FIXED`` and
:func:`build_specs` override the few that must differ.  Stored computed
fields added by modules the generator does not know
(:func:`unknown_computed_fields`) are recomputed with the ORM after the
load (:func:`recompute_fields`) and checked by ``--verify``.
"""

from __future__ import annotations

import time

from .database import TableSpec, quote_ident, table_columns
from .settings import TZ_HK


def capture_prototypes(env, ref):
    """Rows the ORM writes for a customer, a product and an order with one line.

    The records are created in a savepoint that is rolled back: only their
    column values are kept, as defaults for the columns the generator does
    not set itself.
    """
    cr = env.cr
    savepoint = cr.savepoint()
    try:
        partner = env["res.partner"].create(
            {
                "name": "Prototype 原型",
                "is_retail_customer": True,
                "email": "proto@example.com",
                "phone": "+852 9123 4567",
                "country_id": ref.hk_country_id,
                "retail_branch_id": ref.branch_ids[0],
            }
        )
        product = env["product.product"].create(
            {
                "name": "Prototype",
                "type": "consu",
                "categ_id": ref.category_ids[0],
                "list_price": 100.0,
                "standard_price": 50.0,
                "default_code": "PROTO",
                "sale_ok": True,
                "invoice_policy": "order",
            }
        )
        order = env["sale.order"].create(
            {
                "name": "PROTO",
                "partner_id": partner.id,
                "company_id": ref.company_id,
                "user_id": ref.branch_users[0][0],
                "team_id": ref.team_id,
                "retail_branch_id": ref.branch_ids[0],
                "pricelist_id": ref.pricelist_id,
                "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": 1})],
            }
        )
        env.flush_all()
        rows = {}
        for table, record_id in (
            ("res_partner", partner.id),
            ("product_template", product.product_tmpl_id.id),
            ("product_product", product.id),
            ("sale_order", order.id),
            ("sale_order_line", order.order_line.id),
        ):
            cr.execute(f"SELECT * FROM {quote_ident(cr, table)} WHERE id = %s", [record_id])
            names = [d.name for d in cr.description]
            rows[table] = dict(zip(names, cr.fetchone(), strict=True))
    finally:
        savepoint.close(rollback=True)
    env.invalidate_all()
    return rows


def constants_for(prototype, variable, columns):
    """Prototype values of the columns not in ``variable`` (tokens never copied)."""
    names = {name for name, _fmt in variable}
    result = {}
    for column in columns:
        if column in names or column == "id":
            continue
        value = prototype.get(column)
        if "token" in column:
            value = None
        result[column] = value
    return result


PARTNER_VARIABLE = [
    ("id", "%d"),
    ("name", "%s"),
    ("complete_name", "%s"),
    ("commercial_partner_id", "%d"),
    ("email", "%s"),
    ("email_normalized", "%s"),
    ("phone", "%s"),
    ("phone_sanitized", "%s"),
    ("country_id", "%s"),
    ("street", "%s"),
    ("street2", "%s"),
    ("membership_number", "%s"),
    ("membership_tier_id", "%d"),
    ("retail_branch_id", "%d"),
    ("enrolment_date", "%s"),
    ("retail_channel", "%s"),
    ("preferred_language", "%s"),
    ("lang", "%s"),
    ("preferred_contact_channel", "%s"),
    ("district_id", "%s"),
    ("residency", "%s"),
    ("birthday_day", "%s"),
    ("birthday_month", "%s"),
    ("birthday_year", "%s"),
    ("online_account", "%s"),
    ("last_online_visit", "%s"),
    ("create_date", "%s"),
    ("write_date", "%s"),
]
PARTNER_FIXED = {
    "active": True,
    "type": "contact",
    "is_company": False,
    "tz": TZ_HK,
    "is_retail_customer": True,
    "partner_share": True,
    "company_id": None,
    "parent_id": None,
    "user_id": None,
    "create_uid": 1,
    "write_uid": 1,
    "mobile": None,
    "city": None,
    "zip": None,
    "ref": None,
    "vat": None,
    "function": None,
    "comment": None,
    "commercial_company_name": None,
    "company_name": None,
    "barcode": None,
    "message_bounce": 0,
}
TEMPLATE_VARIABLE = [
    ("id", "%d"),
    ("name", "%s"),
    ("default_code", "%s"),
    ("categ_id", "%d"),
    ("list_price", "%.2f"),
    ("create_date", "%s"),
]
PRODUCT_VARIABLE = [
    ("id", "%d"),
    ("product_tmpl_id", "%d"),
    ("default_code", "%s"),
    ("standard_price", "%s"),
    ("create_date", "%s"),
]
ORDER_VARIABLE = [
    ("id", "%d"),
    ("name", "%s"),
    ("partner_id", "%d"),
    ("partner_invoice_id", "%d"),
    ("partner_shipping_id", "%d"),
    ("user_id", "%d"),
    ("retail_branch_id", "%d"),
    ("state", "%s"),
    ("invoice_status", "%s"),
    ("date_order", "%s"),
    ("validity_date", "%s"),
    ("create_date", "%s"),
    ("write_date", "%s"),
    ("create_uid", "%d"),
    ("write_uid", "%d"),
    ("amount_untaxed", "%.2f"),
    ("amount_total", "%.2f"),
    ("margin", "%.2f"),
    ("margin_percent", "%r"),
    # where the sale is made and its team (orders.order_channels)
    ("team_id", "%s"),
    ("crm_sales_channel", "%s"),
]
LINE_VARIABLE = [
    ("id", "%d"),
    ("order_id", "%d"),
    ("sequence", "%d"),
    ("order_partner_id", "%d"),
    ("salesman_id", "%d"),
    ("product_id", "%d"),
    ("state", "%s"),
    ("invoice_status", "%s"),
    ("name", "%s"),
    ("product_uom_qty", "%d"),
    ("price_unit", "%.2f"),
    ("technical_price_unit", "%r"),
    ("discount", "%d"),
    ("price_subtotal", "%.2f"),
    ("price_total", "%.2f"),
    ("price_reduce_taxexcl", "%.2f"),
    ("price_reduce_taxinc", "%.2f"),
    ("qty_to_invoice", "%d"),
    ("untaxed_amount_to_invoice", "%.2f"),
    ("create_date", "%s"),
    ("write_date", "%s"),
    ("create_uid", "%d"),
    ("write_uid", "%d"),
    ("purchase_price", "%.2f"),
    ("margin", "%.2f"),
    ("margin_percent", "%r"),
    ("retail_branch_id", "%d"),
]


# Stored computed fields the generator leaves to the prototype value because
# that value is right for every generated row (checked on Odoo 18.0).
PROTOTYPE_COMPUTED_OK = {
    "res.partner": {
        "commercial_company_name",
        "company_registry",
        "partner_share",
        "peppol_eas",
        "peppol_endpoint",
        "user_id",
    },
    "sale.order": {
        "amount_tax",
        "currency_id",
        "currency_rate",
        "delivery_status",
        "effective_date",
        "fiscal_position_id",
        "journal_id",
        "note",
        "payment_term_id",
        "prepayment_percent",
        "pricelist_id",
        "require_payment",
        "require_signature",
        "sale_order_template_id",
        "team_id",
        "warehouse_id",
    },
    "sale.order.line": {
        "analytic_distribution",
        "company_id",
        "currency_id",
        "customer_lead",
        "price_tax",
        "product_packaging_id",
        "product_packaging_qty",
        "product_uom",
        "qty_delivered",
        "qty_delivered_method",
        "qty_invoiced",
        "untaxed_amount_invoiced",
        "warehouse_id",
    },
    "product.template": {
        "can_image_1024_be_zoomed",
        "expense_policy",
        "has_configurable_attributes",
        "invoice_policy",
        "is_storable",
        "lot_valuated",
        "product_properties",
        "purchase_ok",
        "service_tracking",
        "service_type",
        "tracking",
        "uom_po_id",
        "volume",
        "weight",
    },
    "product.product": {"can_image_variant_1024_be_zoomed", "combination_indices"},
}


def other_computed_fields(env, model, generated):
    """Stored computed fields of ``model`` that are neither generated nor known
    to be right with the prototype's value (added by modules the generator
    does not know)."""
    return sorted(
        f.name
        for f in env[model]._fields.values()
        if f.store
        and f.compute
        and f.column_type
        and f.name not in generated
        and f.name not in PROTOTYPE_COMPUTED_OK[model]
        and f.name not in ("id", "write_date", "write_uid")
    )


def unknown_computed_fields(env, specs):
    """Stored computed fields that would get the prototype's value on every
    row: {model: [field names]}."""
    unknown = {}
    for model in PROTOTYPE_COMPUTED_OK:
        spec = specs[env[model]._table]
        names = other_computed_fields(env, model, {name for name, _fmt in spec.variable})
        if names:
            unknown[model] = names
            print(f"Note: {model} {', '.join(names)}: recomputed with the ORM after the load.")
    return unknown


def recompute_fields(env, model, fnames, first_id, count, batch=50_000):
    """Recompute stored fields of the generated rows with the ORM, in batches
    (computed in memory, written back with one UPDATE per batch)."""
    started = time.monotonic()
    Model = env[model]
    fields_ = [Model._fields[name] for name in fnames]
    for start in range(first_id, first_id + count, batch):
        records = Model.browse(range(start, min(first_id + count, start + batch)))
        for field_ in fields_:
            env.add_to_compute(field_, records)
        Model.flush_model(fnames)
        env.invalidate_all()
    print(
        f"{model} {', '.join(fnames)} recomputed for {count:,} records "
        f"in {time.monotonic() - started:.1f}s.",
        flush=True,
    )


def build_specs(cr, ref, prototypes):
    """COPY layouts of the bulk tables: generated columns + ORM prototype values."""

    def spec(table, variable, fixed):
        columns = table_columns(cr, table)
        missing = [name for name, _fmt in variable if name not in columns]
        if missing:
            raise SystemExit(f"Columns {missing} missing in {table}: is the suite installed?")
        constants = constants_for(prototypes[table], variable, columns)
        for column in list(constants):
            if column in fixed:
                constants[column] = fixed[column]
        return TableSpec(table, variable, constants).prepare(cr)

    partner = spec("res_partner", PARTNER_VARIABLE, PARTNER_FIXED)
    product_fixed = {
        "type": "consu",
        "sale_ok": True,
        "purchase_ok": True,
        "active": True,
        "uom_id": ref.uom_id,
        "uom_po_id": ref.uom_id,
        "invoice_policy": "order",
        "tracking": "none",
        "is_storable": False,
        "company_id": None,
        "description": None,
        "description_sale": None,
        "description_purchase": None,
        "create_uid": 1,
        "write_uid": 1,
        "weight": 0,
        "volume": 0,
    }
    template = spec("product_template", TEMPLATE_VARIABLE, product_fixed)
    product = spec(
        "product_product",
        PRODUCT_VARIABLE,
        {
            "active": True,
            "barcode": None,
            "create_uid": 1,
            "write_uid": 1,
            "weight": 0,
            "volume": 0,
        },
    )
    common = {
        "company_id": ref.company_id,
        "currency_id": ref.currency_id,
        "display_type": None,
    }
    order = spec(
        "sale_order",
        ORDER_VARIABLE,
        {
            **common,
            "pricelist_id": ref.pricelist_id,
            "currency_rate": 1.0,
            "amount_tax": 0.0,
            "locked": False,
            "require_signature": ref.require_signature,
            "require_payment": ref.require_payment,
            "client_order_ref": None,
            "origin": None,
            "reference": None,
            "signed_by": None,
            "signed_on": None,
            "commitment_date": None,
            "delivery_status": None,
            "effective_date": None,
            "procurement_group_id": None,
            "opportunity_id": None,
            "journal_id": None,
        },
    )
    line = spec(
        "sale_order_line",
        LINE_VARIABLE,
        {
            **common,
            "product_uom": ref.uom_id,
            "price_tax": 0.0,
            "qty_delivered": 0,
            "qty_invoiced": 0,
            "untaxed_amount_invoiced": 0,
            "is_downpayment": False,
            "is_expense": False,
            "linked_line_id": None,
            "combo_item_id": None,
            "product_packaging_id": None,
            "product_packaging_qty": 0.0,
            "route_id": None,
            "analytic_distribution": None,
            # the lead time of the products (all generated with the same)
            "customer_lead": float(prototypes["product_template"].get("sale_delay") or 0),
        },
    )
    return {
        "res_partner": partner,
        "product_template": template,
        "product_product": product,
        "sale_order": order,
        "sale_order_line": line,
    }
