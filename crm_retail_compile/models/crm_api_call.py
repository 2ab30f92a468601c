from odoo import api, fields, models
from odoo.tools import SQL


class CrmApiCall(models.Model):
    """Responses of API calls made with an idempotency key: a retried call
    with the same key gets the first response and writes nothing again."""

    _name = "crm.api.call"
    _description = "Idempotent API Call"
    _order = "id desc"

    key = fields.Char(required=True, readonly=True)
    user_id = fields.Many2one("res.users", required=True, readonly=True, index=True)
    method = fields.Char(required=True, readonly=True)
    request_hash = fields.Char(readonly=True)
    response = fields.Text(readonly=True)

    _sql_constraints = [
        ("key_user_uniq", "unique(user_id, key)", "This idempotency key was already used."),
    ]

    @api.model
    def _autovacuum_old_calls(self, days=30):
        """Keys are kept 30 days: retries come within minutes."""
        self.env.cr.execute(
            SQL(
                "DELETE FROM crm_api_call WHERE create_date < "
                "(now() AT TIME ZONE 'UTC') - %s * INTERVAL '1 day'",
                days,
            )
        )

    @api.autovacuum
    def _gc_api_calls(self):
        self._autovacuum_old_calls()
