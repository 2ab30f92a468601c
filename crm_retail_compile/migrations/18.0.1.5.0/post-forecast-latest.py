"""18.0.1.5.0 (forecast dashboards): flag the latest forecast evaluation of
each scope (every branch of a company, or one requester's branch-limited
evaluations), so that the planning dashboard shows one evaluation instead of
the sum of all of them. The lines' copy of the flag follows."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["crm.forecast.run"]._update_latest()
