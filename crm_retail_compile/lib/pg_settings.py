"""PostgreSQL settings for a few heavy statements, for one transaction only."""

from contextlib import contextmanager

from odoo.tools import SQL


@contextmanager
def local_settings(cr, **settings):
    """Apply ``settings`` (``work_mem="256MB"``, ``jit="off"``) to the
    statements run inside the block, then put the previous values back.

    The values are transaction-local (``set_config(..., true)``): after a
    failure the rollback of the transaction or savepoint restores them.

    JIT compilation is worth turning off for the set-based refreshes: their
    estimated costs are high enough for PostgreSQL to spend seconds compiling
    and optimising expressions that then run once over a simple scan.
    """
    previous = {}
    for name, value in settings.items():
        cr.execute(
            SQL("SELECT current_setting(%s), set_config(%s, %s, true)", name, name, str(value))
        )
        previous[name] = cr.fetchone()[0]
    yield
    for name, value in previous.items():
        cr.execute(SQL("SELECT set_config(%s, %s, true)", name, value))
