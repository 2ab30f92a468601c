"""The throughput of the customer upsert of the API: on a database whose
statistics are wrong (a new database, a fresh import), look-ups that only
probe indexes and the statistics refreshed by the batch that grew the
tables; a resent customer that changes nothing writes nothing."""

from unittest.mock import patch

from odoo import api, sql_db
from odoo.exceptions import ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL

from ..lib import pg_settings
from ..models import crm_retail_api_batch
from .common import RetailCommon


@tagged("post_install", "-at_install")
class TestApiColdDatabase(RetailCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.integration = new_test_user(
            cls.env, login="t_cold_integration", groups="crm_retail_compile.group_integration"
        )
        cls.Api = cls.env["crm.retail.api"].with_user(cls.integration)

    def _executed(self):
        """Patch the cursors: the queries they run, as text."""
        queries = []
        execute = sql_db.Cursor.execute

        def spy(cr, query, params=None, log_exceptions=True):
            queries.append(query.code if isinstance(query, SQL) else str(query))
            return execute(cr, query, params, log_exceptions)

        return queries, patch.object(sql_db.Cursor, "execute", autospec=True, side_effect=spy)

    def test_lookups_probe_indexes_whatever_the_planner_believes(self):
        out = self.Api.customer_upsert_batch(
            [
                {"name": "Cold A", "phone": "+852 9100 0001", "channel": "online"},
                {"name": "Cold B", "email": "cold.b@example.com", "channel": "online"},
            ]
        )
        ids = [row["id"] for row in out["results"]]
        plans = []
        execute_query = api.Environment.execute_query

        def explained(env, query):
            if "crm_phone_key" in query.code:
                plans.extend(row[0] for row in execute_query(env, SQL("EXPLAIN %s", query)))
            return execute_query(env, query)

        keys = [("phone", "91000001"), ("email", "cold.b@example.com"), ("membership", "X-0")]
        # index probes made to look a thousand times dearer than reading the
        # tables, as they do to a planner that believes each key matches
        # 0.5 % of a table it thinks small (a new database)
        with (
            pg_settings.local_settings(
                self.env.cr, random_page_cost="4000", cpu_index_tuple_cost="5"
            ),
            patch.object(api.Environment, "execute_query", autospec=True, side_effect=explained),
        ):
            rows = self.Api._find_customer_rows_by_keys(keys)
        self.assertEqual({row[2] for row in rows}, set(ids))
        plan = "\n".join(plans)
        # with table scans off the planner picks among the indexes (the
        # e-mail key's, or the retail flag's on a table of few customers;
        # plain, bitmap or index-only probes, as the statistics of the
        # moment make it choose): no branch of the look-up reads a table
        self.assertRegex(plan, "Index (Only )?Scan")
        self.assertNotIn("Seq Scan on res_partner", plan)
        self.assertNotIn("Seq Scan on crm_customer_identity", plan)
        # the setting is the look-up's only
        self.env.cr.execute(SQL("SHOW enable_seqscan"))
        self.assertEqual(self.env.cr.fetchone()[0], "on")

    def test_a_batch_that_grows_the_tables_refreshes_their_statistics(self):
        queries, spy = self._executed()
        batch = [
            {"name": f"Grow {i}", "email": f"grow{i}@example.com", "channel": "online"}
            for i in range(3)
        ]
        # the thresholds lowered to a batch of three
        with (
            patch.object(crm_retail_api_batch, "ANALYZE_MIN_ROWS", 3),
            patch.object(crm_retail_api_batch, "ANALYZE_GROWTH", 1e-9),
            spy,
        ):
            self.assertEqual(self.Api.customer_upsert_batch(batch)["created"], 3)
            analyzed = [q for q in queries if q.startswith("ANALYZE")]
            self.assertEqual(analyzed, ['ANALYZE "crm_customer_identity"', 'ANALYZE "res_partner"'])
            # an update or a small batch analyses nothing
            queries.clear()
            self.assertEqual(self.Api.customer_upsert_batch(batch)["updated"], 3)
            self.Api.customer_upsert_batch([dict(batch[0], email="grow.x@example.com")])
            self.assertFalse([q for q in queries if q.startswith("ANALYZE")])

    def test_statistics_refresh_never_waits_for_another_transaction(self):
        queries, spy = self._executed()
        other = sql_db.db_connect(self.env.cr.dbname).cursor()
        try:
            # another transaction analysing the identities (autovacuum, a
            # concurrent batch): this batch leaves that table to it
            other.execute(SQL("LOCK TABLE crm_customer_identity IN SHARE UPDATE EXCLUSIVE MODE"))
            batch = [
                {"name": f"Wait {i}", "email": f"wait{i}@example.com", "channel": "online"}
                for i in range(3)
            ]
            with (
                patch.object(crm_retail_api_batch, "ANALYZE_MIN_ROWS", 3),
                patch.object(crm_retail_api_batch, "ANALYZE_GROWTH", 1e-9),
                pg_settings.local_settings(self.env.cr, lock_timeout="10s"),
                spy,
            ):
                self.assertEqual(self.Api.customer_upsert_batch(batch)["created"], 3)
        finally:
            other.rollback()
            other.close()
        analyzed = [q for q in queries if q.startswith("ANALYZE")]
        self.assertEqual(analyzed, ['ANALYZE "res_partner"'])
        self.assertEqual(
            self.env["res.partner"].search_count([("email", "=like", "wait_@example.com")]), 3
        )

    def test_upsert_in_the_callers_transaction(self):
        """The path of an import: the same checks, locks and idempotency as
        customer_upsert_batch, in the transaction of the caller."""
        batch = [{"name": "Here", "phone": "9100 0002", "email": "here@example.com"}]
        self.assertEqual(
            sorted(self.Api._customer_lock_keys(batch + [{"phone": 12}])),
            ["email:here@example.com", "phone:91000002"],
        )
        first = self.Api._customer_upsert_batch_here(batch, "import-1")
        self.assertEqual(first["created"], 1)
        again = self.Api._customer_upsert_batch_here(batch, "import-1")
        self.assertEqual(again, first)
        Partner = self.env["res.partner"]
        self.assertEqual(Partner.search_count([("email", "=", "here@example.com")]), 1)
        with self.assertRaises(ValidationError):
            self.Api._customer_upsert_batch_here([dict(batch[0], name="Other")], "import-1")
        with self.assertRaises(ValidationError):
            self.Api._customer_upsert_batch_here(batch, mode="all")

    def test_a_phone_resent_in_another_format_writes_nothing(self):
        batch = [
            {"name": "Format", "phone": "+852 9100 0003", "mobile": "91000004"},
            {"name": "Format 2", "email": " format2@example.com", "phone": "852-91000005"},
        ]
        first = self.Api.customer_upsert_batch(batch)
        partner = self.env["res.partner"].browse(first["results"][0]["id"])
        self.assertEqual((partner.phone, partner.mobile), ("+852 9100 0003", "+852 9100 0004"))
        Partner = self.registry["res.partner"]
        resent = [
            {"name": "Format", "phone": "91000003", "mobile": "(852) 9100-0004"},
            {"name": "Format 2", "email": "format2@example.com ", "phone": "9100 0005"},
        ]
        with patch.object(Partner, "write", autospec=True, side_effect=Partner.write) as write:
            again = self.Api.customer_upsert_batch(resent)
            self.assertEqual(again["updated"], 2)
            write.assert_not_called()
            # a new number is still written, formatted
            self.Api.customer_upsert_batch([dict(resent[0], mobile="9100 0006")])
            self.assertEqual(write.call_count, 1)
        self.assertEqual(partner.mobile, "+852 9100 0006")
