"""18.0.1.1.0: drop the plain indexes that duplicated unique constraints
(the ORM keeps an index it no longer expects)."""

from odoo.tools.sql import drop_index, make_index_name


def migrate(cr, version):
    for table, column in (
        ("crm_privacy_field_classification", "field_id"),
        ("crm_privacy_marketing_purpose", "code"),
    ):
        drop_index(cr, make_index_name(table, column), table)
