from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL

from ..lib import pg_settings
from .common import load_migration

# plain indexes that repeat a unique constraint of the same table and columns
DUPLICATE_INDEXES = """
    SELECT plain.indexrelid::regclass::text
      FROM pg_index plain
      JOIN pg_index uniq ON uniq.indrelid = plain.indrelid
                        AND uniq.indisunique AND NOT plain.indisunique
                        AND uniq.indkey::text = plain.indkey::text
                        AND plain.indexprs IS NULL AND uniq.indexprs IS NULL
                        AND plain.indpred IS NULL
     WHERE plain.indrelid::regclass::text = ANY(%s)
"""
SUITE = ("crm_privacy_pdpo", "crm_retail_compile", "crm_jewellery_ext")


@tagged("post_install", "-at_install")
class TestSchema(TransactionCase):
    def _duplicates(self):
        """The duplicate indexes on the tables of the suite's models and of
        the Odoo models it extends."""
        field_ids = (
            self.env["ir.model.data"]
            .search([("module", "in", SUITE), ("model", "=", "ir.model.fields")])
            .mapped("res_id")
        )
        models = set(self.env["ir.model.fields"].browse(field_ids).mapped("model"))
        tables = sorted(
            {
                self.env[name]._table
                for name in models
                if name in self.env and self.env[name]._auto and not self.env[name]._abstract
            }
        )
        self.assertIn("res_partner", tables)
        self.env.cr.execute(SQL(DUPLICATE_INDEXES, tables))
        return sorted(row[0] for row in self.env.cr.fetchall())

    def test_no_index_repeats_a_unique_constraint(self):
        """Every index on res_partner costs an entry on each insert and on
        each update that is not HOT: a unique constraint is index enough."""
        self.assertEqual(self._duplicates(), [])

    def test_migration_drops_the_duplicate_indexes(self):
        cr = self.env.cr
        # as a database installed before 18.0.1.2.0 has them (DDL is rolled back)
        cr.execute(
            SQL(
                "CREATE INDEX res_partner__membership_number_index "
                "ON res_partner (membership_number)"
            )
        )
        cr.execute(
            SQL("CREATE INDEX crm_customer_identity__key_index ON crm_customer_identity (key)")
        )
        self.assertEqual(
            self._duplicates(),
            ["crm_customer_identity__key_index", "res_partner__membership_number_index"],
        )
        migration = load_migration("18.0.1.2.0")
        migration.migrate(cr, "18.0.1.1.0")
        migration.migrate(cr, "18.0.1.1.0")  # safe to run twice
        self.assertEqual(self._duplicates(), [])
        # the unique constraints still refuse a second customer with the number
        cr.execute(
            SQL(
                "SELECT count(*) FROM pg_constraint WHERE conname IN %s",
                ("res_partner_membership_number_uniq", "crm_customer_identity_key_uniq"),
            )
        )
        self.assertEqual(cr.fetchone()[0], 2)

    def test_api_order_lookup_uses_its_index(self):
        """order_record finds its earlier order by reference through a
        partial index, not a scan of every order (0.5 s on 4.7M orders)."""
        query = self.env["sale.order"]._search(
            [("client_order_ref", "=", "WEB-1"), ("origin", "=", "crm_retail_api")], limit=1
        )
        cr = self.env.cr
        # a test database is small: leave the planner only bitmap scans (an
        # ordered scan of another index would look cheaper there)
        with pg_settings.local_settings(cr, enable_seqscan="off", enable_indexscan="off"):
            cr.execute(SQL("EXPLAIN %s", query.select()))
            plan = "\n".join(row[0] for row in cr.fetchall())
        self.assertIn("sale_order_crm_api_ref_idx", plan)

    def test_customer_name_search_can_use_trigram_indexes(self):
        """Finding a customer by part of a name or e-mail must not scan every
        customer (4 s on a million)."""
        if not self.registry.has_trigram:
            self.skipTest("pg_trgm is not installed")
        query = self.env["res.partner"]._search([("display_name", "ilike", "chan")], order="id")
        cr = self.env.cr
        # a test database is small: leave the planner only bitmap scans, which
        # it can take only if every OR'ed field has an index that matches
        with pg_settings.local_settings(cr, enable_seqscan="off", enable_indexscan="off"):
            cr.execute(SQL("EXPLAIN %s", query.select()))
            plan = "\n".join(row[0] for row in cr.fetchall())
        self.assertIn("BitmapOr", plan)
        self.assertNotIn("Seq Scan", plan)
        # which index serves a branch depends on the data (on a small
        # database a whole partial btree is cheaper): each field has its
        # trigram index for the large ones
        fnames = self.env["res.partner"]._rec_names_search
        cr.execute(
            SQL(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'res_partner' "
                "AND indexdef LIKE %s AND indexname IN %s",
                "%gin_trgm_ops%",
                tuple(f"res_partner_crm_{fname}_trgm_idx" for fname in fnames),
            )
        )
        self.assertEqual(len(cr.fetchall()), len(fnames))

    def test_init_overrides_keep_the_indexes_of_odoo(self):
        """Our init() of inherited models must call Odoo's: sale's own index
        comes back when the models are initialised again (an upgrade)."""
        cr = self.env.cr
        cr.execute(SQL("DROP INDEX sale_order_date_order_id_idx"))  # rolled back
        cr.execute(SQL("DROP INDEX sale_order_crm_api_ref_idx"))
        self.env["sale.order"].init()
        cr.execute(
            SQL(
                "SELECT count(*) FROM pg_indexes WHERE indexname IN %s",
                ("sale_order_date_order_id_idx", "sale_order_crm_api_ref_idx"),
            )
        )
        self.assertEqual(cr.fetchone()[0], 2)
