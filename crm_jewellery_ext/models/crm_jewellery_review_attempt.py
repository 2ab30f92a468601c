from odoo import api, fields, models
from odoo.tools import SQL

MAX_FAILURES = 10  # failed opens of review links ...
WINDOW_MINUTES = 10  # ... in this many minutes, then refused
KEEP_DAYS = 1


class CrmJewelleryReviewAttempt(models.Model):
    """A failed opening of a public review link (unknown review or wrong
    token). The counts limit token guesses per client address and per review;
    kept in the database, they hold across the workers of a server."""

    _name = "crm.jewellery.review.attempt"
    _description = "Failed Review Link Opening"
    _order = "id desc"
    _log_access = False

    ip = fields.Char(string="Client Address", required=True, readonly=True)
    review_id = fields.Integer(
        string="Review Id", readonly=True, help="The id in the link: unknown ids count too."
    )
    attempt_date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)

    def init(self):
        self.env.cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS crm_jewellery_review_attempt_ip_date_idx "
                "ON crm_jewellery_review_attempt (ip, attempt_date)"
            )
        )
        self.env.cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS crm_jewellery_review_attempt_review_date_idx "
                "ON crm_jewellery_review_attempt (review_id, attempt_date)"
            )
        )

    @api.model
    def _is_blocked(self, ip, review_id):
        """Whether ``ip`` or ``review_id`` had too many failures lately."""
        window = SQL("(now() AT TIME ZONE 'UTC') - %s * INTERVAL '1 minute'", WINDOW_MINUTES)
        self.env.cr.execute(
            SQL(
                """
                SELECT (SELECT count(*) FROM crm_jewellery_review_attempt
                         WHERE ip = %(ip)s AND attempt_date > %(since)s),
                       (SELECT count(*) FROM crm_jewellery_review_attempt
                         WHERE review_id = %(review)s AND attempt_date > %(since)s)
                """,
                ip=ip or "",
                review=review_id,
                since=window,
            )
        )
        by_ip, by_review = self.env.cr.fetchone()
        return max(by_ip, by_review) >= MAX_FAILURES

    @api.model
    def _record_failure(self, ip, review_id):
        """Count a failure, in a transaction of its own: the request that
        failed answers 404 and rolls its own transaction back."""
        with self.env.registry.cursor() as cr:
            cr.execute(
                SQL(
                    "INSERT INTO crm_jewellery_review_attempt (ip, review_id, attempt_date) "
                    "VALUES (%s, %s, now() AT TIME ZONE 'UTC')",
                    (ip or "")[:64],
                    review_id,
                )
            )

    @api.autovacuum
    def _gc_attempts(self):
        self.env.cr.execute(
            SQL(
                "DELETE FROM crm_jewellery_review_attempt WHERE attempt_date < "
                "(now() AT TIME ZONE 'UTC') - %s * INTERVAL '1 day'",
                KEEP_DAYS,
            )
        )
