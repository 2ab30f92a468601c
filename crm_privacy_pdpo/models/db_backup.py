import logging
import os
import threading
import time
import zipfile
from contextlib import contextmanager
from glob import iglob

from odoo import models
from odoo.service import db as db_service

_logger = logging.getLogger(__name__)

# The functions of odoo.service.db a dump calls, as Odoo defines them:
# guarded by list_db.
_GUARDED = {name: getattr(db_service, name) for name in ("dump_db", "dump_db_manifest")}
_DUMP_LOCK = threading.Lock()
# A zip backup that is still not a valid zip file after this long was cut
# short (server killed or disk full while writing it).
INCOMPLETE_AFTER_SECONDS = 6 * 3600


@contextmanager
def _server_side_dump():
    """Let the scheduled backup dump the database when list_db is False.

    ``odoo.service.db.dump_db`` (and ``dump_db_manifest``) refuse to run
    when the database manager is disabled (``list_db = False``, our
    production setting), so auto_backup would only post "Database backup
    failed" every night. The backup runs inside the server, not through
    the database manager, whose RPC and HTTP entry points (``exp_dump``)
    keep their own list_db check.
    """
    with _DUMP_LOCK:
        for name, function in _GUARDED.items():
            setattr(db_service, name, getattr(function, "__wrapped__", function))
        try:
            yield
        finally:
            for name, function in _GUARDED.items():
                setattr(db_service, name, function)


class DbBackup(models.Model):
    _inherit = "db.backup"

    def action_backup(self):
        self._remove_incomplete_backups()
        with _server_side_dump():
            return super().action_backup()

    def _remove_incomplete_backups(self):
        """auto_backup writes the zip straight under its final name: a backup
        interrupted half-way leaves a truncated file that looks like a backup
        (and would be kept for days_to_keep). Remove such files."""
        limit = time.time() - INCOMPLETE_AFTER_SECONDS
        for rec in self.filtered(lambda r: r.method == "local" and r.backup_format == "zip"):
            for path in iglob(os.path.join(rec.folder, "*.dump.zip")):
                if os.path.getmtime(path) < limit and not zipfile.is_zipfile(path):
                    _logger.warning("Removing incomplete backup %s", path)
                    os.unlink(path)
