"""18.0.1.2.0: drop the plain indexes that duplicated unique constraints.

The ORM keeps an index it no longer expects, so these stay without this
script. On res_partner each one cost an index entry on every insert and on
every update that cannot be HOT (86 MB on a million customers).
"""

from odoo.tools.sql import drop_index, make_index_name

DUPLICATES = [
    ("res_partner", "membership_number"),
    ("crm_customer_identity", "key"),
    ("crm_hk_district", "code"),
    ("crm_report_template", "code"),
]


def migrate(cr, version):
    for table, column in DUPLICATES:
        drop_index(cr, make_index_name(table, column), table)
