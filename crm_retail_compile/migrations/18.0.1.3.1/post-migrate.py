"""18.0.1.3.1

- The SQL function crm_phone_key is now generated from the Python phone key
  (lib.data_quality.phone_key) as a single inlinable expression. Its results
  are the same, but PostgreSQL cannot know it: the expression indexes built
  on the previous body are rebuilt.
- Consent and collection-notice gaps are summarised per branch: the rules
  now check branches, and their per-customer issues are resolved (the next
  scan opens one summary issue per branch).
"""

from odoo.tools import SQL

INDEXES = ("res_partner_crm_phone_key_idx", "res_partner_crm_mobile_key_idx")
SUMMARY_CHECKS = ("no_consent", "no_pics")


def migrate(cr, version):
    for index in INDEXES:
        cr.execute(SQL("SELECT 1 FROM pg_class WHERE relname = %s AND relkind = 'i'", index))
        if cr.fetchone():
            cr.execute(SQL("REINDEX INDEX %s", SQL.identifier(index)))
    cr.execute(
        SQL(
            """UPDATE crm_dq_issue i
                  SET state = 'resolved', resolved_date = now() at time zone 'UTC'
                 FROM crm_dq_rule r
                WHERE r.id = i.rule_id AND r."check" IN %s
                  AND i.res_model = 'res.partner' AND i.state IN ('open', 'ignored')""",
            SUMMARY_CHECKS,
        )
    )
    cr.execute(
        SQL(
            """UPDATE crm_dq_rule SET res_model = 'crm.retail.branch'
                WHERE "check" IN %s""",
            SUMMARY_CHECKS,
        )
    )
