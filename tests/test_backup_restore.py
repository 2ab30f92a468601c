"""The scheduled backup (OCA auto_backup, configured by crm_privacy_pdpo)
runs, rotates old backups, and its zip restores with setup/restore.sh into
a database identical to the original (counts, content, filestore)."""

import hashlib
import os
import shutil
import subprocess
import time
import uuid
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import psycopg2
from conftest import ROOT

TABLES = (
    "res_partner",
    "sale_order",
    "crm_lead",
    "crm_privacy_consent",
    "crm_sales_event",
    "ir_attachment",
)
DATA_DIR = ROOT / ".odoo-data"


def _fingerprint(db):
    """Counts of the key tables and checksums of their content and of the filestore."""
    conn = psycopg2.connect(dbname=db)
    try:
        with conn.cursor() as cr:
            result = {}
            for table in TABLES:
                cr.execute(f"SELECT count(*) FROM {table}")
                result[table] = cr.fetchone()[0]
            cr.execute(
                "SELECT md5(coalesce(string_agg(concat_ws('|', id, name, email, phone, vat),"
                " E'\\n' ORDER BY id), '')) FROM res_partner"
            )
            result["res_partner_md5"] = cr.fetchone()[0]
            cr.execute(
                "SELECT md5(coalesce(string_agg(concat_ws('|', id, name, amount_total, state),"
                " E'\\n' ORDER BY id), '')) FROM sale_order"
            )
            result["sale_order_md5"] = cr.fetchone()[0]
            cr.execute(
                "SELECT md5(coalesce(string_agg(concat_ws('|', id, store_fname, checksum),"
                " E'\\n' ORDER BY id), '')) FROM ir_attachment"
            )
            result["ir_attachment_md5"] = cr.fetchone()[0]
    finally:
        conn.close()
    digest = hashlib.md5()
    filestore = DATA_DIR / "filestore" / db
    for path in sorted(p for p in filestore.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(filestore)).encode())
        digest.update(path.read_bytes())
    result["filestore_md5"] = digest.hexdigest()
    return result


def _drop(db):
    subprocess.run(["dropdb", "--if-exists", "--force", db], check=True)
    shutil.rmtree(DATA_DIR / "filestore" / db, ignore_errors=True)


def test_scheduled_backup_rotation_and_restore(odoo_server, admin):
    db = odoo_server.db
    backup_id = admin(
        "ir.model.data", "check_object_reference", "crm_privacy_pdpo", "db_backup_daily_local"
    )[1]
    [config] = admin(
        "db.backup",
        "read",
        [backup_id],
        ["folder", "method", "backup_format", "days_to_keep"],
    )
    folder = Path(config["folder"])
    assert folder == DATA_DIR / "backups" / db
    assert (config["method"], config["backup_format"], config["days_to_keep"]) == (
        "local",
        "zip",
        14,
    )
    folder.mkdir(parents=True, exist_ok=True)
    before = set(folder.glob("*.dump.zip"))
    # rotation: a backup older than days_to_keep goes, a recent one stays
    old = folder / "2001_01_01_00_00_00.dump.zip"
    recent = folder / f"{datetime.now() - timedelta(days=2):%Y_%m_%d_%H_%M_%S}.dump.zip"
    # a backup cut short hours ago (truncated zip) goes too
    truncated = folder / f"{datetime.now() - timedelta(days=1):%Y_%m_%d_%H_%M_%S}.dump.zip"
    shutil.copyfile(ROOT / "tests" / "conftest.py", old)
    with zipfile.ZipFile(recent, "w") as archive:
        archive.writestr("dump.sql", "-- placeholder")
    truncated.write_bytes(b"PK\x03\x04 truncated")
    stale = time.time() - 7 * 3600
    os.utime(truncated, (stale, stale))
    restored_db = f"bk_restore_{uuid.uuid4().hex[:8]}"
    created = set()
    try:
        cron_id = admin(
            "ir.model.data", "check_object_reference", "auto_backup", "ir_cron_backup_scheduler_0"
        )[1]
        last_message = admin("mail.message", "search", [], limit=1, order="id desc")
        start = time.monotonic()
        admin("ir.cron", "method_direct_trigger", [cron_id])
        backup_seconds = time.monotonic() - start
        created = set(folder.glob("*.dump.zip")) - before - {old, recent, truncated}
        assert len(created) == 1, f"expected one new backup in {folder}, got {created}"
        [backup] = created
        failures = admin(
            "mail.message",
            "search_count",
            [
                ("model", "=", "db.backup"),
                ("res_id", "=", backup_id),
                ("body", "ilike", "backup failed"),
                ("id", ">", last_message[0] if last_message else 0),
            ],
        )
        assert not failures, "auto_backup reported a failed backup in the chatter"
        assert not old.exists(), "the backup older than days_to_keep was not removed"
        assert recent.exists(), "a backup within days_to_keep was removed"
        assert not truncated.exists(), "the incomplete backup was not removed"
        with zipfile.ZipFile(backup) as archive:
            names = archive.namelist()
            assert {"dump.sql", "manifest.json"} <= set(names)
            assert any(n.startswith("filestore/") for n in names)
            assert archive.testzip() is None
        original = _fingerprint(db)

        result = subprocess.run(
            [str(ROOT / "setup" / "restore.sh"), "--copy", str(backup), restored_db],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert f"-> database {restored_db}" in result.stdout
        assert _fingerprint(restored_db) == original

        # never overwrites an existing database without --force
        again = subprocess.run(
            [str(ROOT / "setup" / "restore.sh"), str(backup), restored_db],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert again.returncode == 1 and "already exists" in again.stderr
        print(f"backup took {backup_seconds:.1f}s; {original}")
    finally:
        _drop(restored_db)
        for path in {old, recent, truncated} | created:
            path.unlink(missing_ok=True)
