"""Import a customer file (CSV or XLSX, 100,000 to 1,000,000 rows) into the
Retail CRM through the integration API's upsert, in batches.

    .venv/bin/python setup/import_customers.py FILE --db DB [--url URL] \\
        [--login LOGIN] [--password PASSWORD] [--batch 1000]
    .venv/bin/python setup/import_customers.py --generate 200000 OUT.csv [--seed 1]

Why over XML-RPC against the running server: each batch is
``crm.customer.import.command_batch``, which calls ``customer_upsert_batch``
(per-record mode) with the user's own rights: the same validation, matching
(membership number, then phone in any Hong Kong format, then e-mail),
never-erase rule, branch rules and advisory locks as the e-shop's calls; a
branch clerk's file can only reach their branch, and the script needs no
database access. Every batch commits on its own.

Resumable: the import record (Customers > Customer Imports) holds the rows
committed so far; running the script again on the same file (same content,
same user) resumes after them. Safe to run twice: each batch carries an
idempotency key of its import and rows, so a batch sent again after a lost
answer returns its first answer, and a whole second run of a finished file
matches every customer again and writes nothing new. Rows are numbered as
in a spreadsheet (the header is row 1).

Columns: the import template's headers (English 中文), their English or
Chinese part, the customer field names or the API keys (see
crm_retail_compile/lib/customer_import_template.py); others are ignored.
"""

import argparse
import csv
import hashlib
import importlib.util
import os
import random
import sys
import time
import xmlrpc.client

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _template_lib():
    """The column definitions and row conversion shared with the add-on
    (plain Python), loaded without importing Odoo."""
    path = os.path.join(ROOT, "crm_retail_compile", "lib", "customer_import_template.py")
    spec = importlib.util.spec_from_file_location("customer_import_template", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TEMPLATE = _template_lib()


# --- reading the file --------------------------------------------------------


def file_hash(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_rows(path):
    """(headers, iterator of rows, number of data rows)."""
    if path.lower().endswith((".xlsx", ".xlsm")):
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        headers = list(next(rows, ()) or ())
        total = max((sheet.max_row or 1) - 1, 0)
        return headers, rows, total
    with open(path, newline="", encoding="utf-8-sig") as handle:
        total = max(sum(1 for _line in csv.reader(handle)) - 1, 0)
    handle = open(path, newline="", encoding="utf-8-sig")  # noqa: SIM115 (read lazily)
    reader = csv.reader(handle)
    headers = next(reader, [])
    return headers, reader, total


def batches(rows, size, skip):
    """Lists of up to ``size`` rows, after the first ``skip`` rows."""
    batch = []
    for index, row in enumerate(rows):
        if index < skip:
            continue
        if not any(cell not in (None, "") for cell in row):
            row = ()  # an empty row: reported as such
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


# --- progress -------------------------------------------------------------------


def _duration(seconds):
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}m{seconds % 60:02d}s"


class Progress:
    def __init__(self, total, done=0, stream=sys.stderr):
        self.total, self.start_done, self.done = total, done, done
        self.started = time.monotonic()
        self.stream = stream

    def update(self, done, extra=""):
        self.done = done
        elapsed = time.monotonic() - self.started
        rate = (done - self.start_done) / elapsed if elapsed else 0.0
        left = (self.total - done) / rate if rate else 0
        width = 30
        filled = int(width * done / self.total) if self.total else width
        self.stream.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {done:,}/{self.total:,} rows "
            f"{rate:,.0f} rows/s ETA {_duration(left)} {extra}   "
        )
        self.stream.flush()
        return rate

    def close(self):
        self.stream.write("\n")


# --- the import -----------------------------------------------------------------


class Client:
    def __init__(self, url, db, login, password):
        common = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common", allow_none=True)
        self.uid = common.authenticate(db, login, password, {})
        if not self.uid:
            raise SystemExit(f"login refused for {login} on {db}")
        self.db, self.password = db, password
        self.proxy = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object", allow_none=True)

    def __call__(self, model, method, *args, **kwargs):
        return self.proxy.execute_kw(
            self.db, self.uid, self.password, model, method, list(args), kwargs
        )


def _retrying(call, attempts=5):
    """``call()``, retried on connection errors (the server restarting):
    the batch's idempotency key makes a retry safe."""
    for attempt in range(attempts):
        try:
            return call()
        except (OSError, xmlrpc.client.ProtocolError):
            if attempt == attempts - 1:
                raise
            time.sleep(2 * (attempt + 1))
    return None


def run_import(args):
    client = Client(args.url, args.db, args.login, args.password)
    headers, rows, total = read_rows(args.file)
    keys = TEMPLATE.column_keys(headers)
    if not any(keys):
        raise SystemExit(
            "no known column in the header row; use the import template's headers "
            "(Customers > Import Template)"
        )
    ignored = [str(h) for h, k in zip(headers, keys, strict=False) if h and not k]
    if ignored:
        print(f"ignored columns: {', '.join(ignored)}", file=sys.stderr)
    lookups = client("crm.customer.import", "command_lookups")
    state = client(
        "crm.customer.import",
        "command_start",
        os.path.basename(args.file),
        file_hash(args.file),
        total,
    )
    import_id, skip = state["id"], state["next_row"]
    if skip:
        print(f"resuming import {import_id} after row {skip + 1:,}", file=sys.stderr)
    progress = Progress(total, skip)
    started = time.monotonic()
    done = skip
    summary = state
    for sent_batches, batch in enumerate(batches(rows, args.batch, skip), start=1):
        customers, errors = [], []
        for position, row in enumerate(batch):
            payload, error = (
                TEMPLATE.row_payload(keys, row, lookups) if row else (None, "empty row")
            )
            if error:
                errors.append([position, error])
            else:
                customers.append(payload)
        first_row = done
        summary = _retrying(
            lambda first_row=first_row, customers=customers, errors=errors: client(
                "crm.customer.import", "command_batch", [import_id], first_row, customers, errors
            )
        )
        done = first_row + len(batch)
        progress.update(
            done,
            f"created {summary['created']:,} updated {summary['updated']:,} "
            f"rejected {summary['rejected']:,}",
        )
        if args.stop_after and sent_batches >= args.stop_after:
            progress.close()
            print(f"stopped after {sent_batches} batches (--stop-after)", file=sys.stderr)
            return summary
    progress.close()
    elapsed = time.monotonic() - started
    finished = client("crm.customer.import", "command_finish", [import_id], elapsed)
    scan_time = time.monotonic() - started - elapsed
    rows_done = done - skip
    print(
        f"import {import_id}: {rows_done:,} rows in {elapsed:.1f} s = "
        f"{rows_done / elapsed if elapsed else 0:,.0f} rows/s"
    )
    print(
        f"created {finished['created']:,}  updated {finished['updated']:,}  "
        f"duplicates merged {finished['duplicates']:,}  rejected {finished['rejected']:,}  "
        f"(rows read {finished['rows_read']:,})"
    )
    print(f"data quality of the imported customers ({scan_time:.1f} s):")
    for rule, count in sorted(finished["dq"].items(), key=lambda item: -item[1]):
        print(f"  {count:>9,}  {rule}")
    return finished


# --- generating a realistic file ---------------------------------------------------

SURNAMES = [
    "Chan",
    "Wong",
    "Lee",
    "Cheung",
    "Lau",
    "Ho",
    "Ng",
    "Leung",
    "Yip",
    "Tsang",
    "Lam",
    "Chow",
    "Kwok",
    "Mak",
    "Tang",
    "Fung",
    "Yeung",
    "So",
    "Cheng",
    "Lo",
]
SURNAMES_ZH = [
    "陳",
    "黃",
    "李",
    "張",
    "劉",
    "何",
    "吳",
    "梁",
    "葉",
    "曾",
    "林",
    "周",
    "郭",
    "麥",
    "鄧",
    "馮",
    "楊",
    "蘇",
    "鄭",
    "盧",
]
GIVEN = [
    "Tai Man",
    "Siu Ming",
    "Ka Yan",
    "Wing Sze",
    "Chi Keung",
    "Mei Ling",
    "Hoi Yan",
    "Ka Ho",
    "Siu Fong",
    "Wai Kit",
    "Pui Yee",
    "Chun Hei",
    "Tsz Ching",
    "Yuk Lan",
]
DISTRICTS = [
    ("CW", "Central and Western", "中西區"),
    ("WC", "Wan Chai", "灣仔區"),
    ("EA", "Eastern", "東區"),
    ("YT", "Yau Tsim Mong", "油尖旺區"),
    ("KC", "Kowloon City", "九龍城區"),
    ("ST", "Sha Tin", "沙田區"),
]
CHANNELS = ["In Store", "Online", "store", "online", "門市", "both"]
PLACEHOLDERS = ["test", "N/A", "xxx", "customer", "unknown"]
HEADERS = [
    "Membership No. 會員編號",
    "Name 姓名",
    "Mobile 手提電話",
    "Phone 電話",
    "E-mail 電郵",
    "District 地區",
    "Channel 渠道",
    "Birthday Day 生日日期",
    "Birthday Month 生日月份",
]


def _phone_formats(digits, rng):
    return rng.choice(
        [
            digits,
            f"{digits[:4]} {digits[4:]}",
            f"+852 {digits[:4]} {digits[4:]}",
            f"(852) {digits[:4]}-{digits[4:]}",
            f"852-{digits}",
            f"+852{digits}",
            f"{digits[:4]}-{digits[4:]}",
        ]
    )


def _valid_numbers(rng):
    """(n, 8 digits) of distinct valid Hong Kong mobile numbers (the suite's
    own phone rule), in a random order of blocks."""
    path = os.path.join(ROOT, "crm_retail_compile", "lib", "data_quality.py")
    spec = importlib.util.spec_from_file_location("crm_data_quality", path)
    data_quality = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(data_quality)
    blocks = list(range(5_000, 10_000))  # the first 4 digits
    rng.shuffle(blocks)
    n = 0
    for block in blocks:
        if not data_quality.is_valid_phone(f"{block}0000"):
            continue
        for suffix in range(0, 10_000, 7):
            n += 1
            yield n, f"{block}{suffix:04d}"


def generate(count, path, seed=1):
    """A file of ``count`` rows like a shop's export: phones in every Hong
    Kong format, e-mails in mixed case, districts by code or English or
    Chinese name, ~4% rows repeating an earlier customer in another format,
    ~2% invalid phones, ~1% invalid e-mails, ~1% rows without any contact,
    ~1% unknown districts, ~1% placeholder names, ~3% bad birthdays."""
    rng = random.Random(seed)
    people = []
    numbers = _valid_numbers(rng)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        for _index in range(count):
            roll = rng.random()
            if people and roll < 0.04:  # the same customer again, written differently
                name, digits, email, district = rng.choice(people)
                writer.writerow(
                    [
                        "",
                        name.upper() if rng.random() < 0.3 else name,
                        _phone_formats(digits, rng),
                        "",
                        email.upper() if email and rng.random() < 0.5 else "",
                        district[rng.randrange(3)],
                        rng.choice(CHANNELS),
                        "",
                        "",
                    ]
                )
                continue
            n, digits = next(numbers)
            surname = rng.randrange(len(SURNAMES))
            given = rng.choice(GIVEN)
            name = f"{SURNAMES[surname]} {given}"
            if rng.random() < 0.3:
                chinese = rng.choice("小大家嘉美志") + rng.choice("明文儀欣強玲")
                name = f"{name} {SURNAMES_ZH[surname]}{chinese}"
            if rng.random() < 0.01:
                name = rng.choice(PLACEHOLDERS)
            local = f"{given.replace(' ', '.').lower()}.{SURNAMES[surname].lower()}{n}"
            email = f"{local}@example.com"
            if rng.random() < 0.2:
                email = ""
            elif rng.random() < 0.01:
                email = rng.choice([email.replace("@", ""), email.split("@")[0] + "@", "n/a"])
            mobile = _phone_formats(digits, rng)
            if rng.random() < 0.02:
                mobile = rng.choice(["123", "9123456", "1234 5678", "tel: none", "000000000"])
            if rng.random() < 0.01:
                mobile, email = "", ""
            district = rng.choice(DISTRICTS)
            district_cell = district[rng.randrange(3)]
            if rng.random() < 0.01:
                district_cell = rng.choice(["Atlantis", "Kowloon", "N/A"])
            if rng.random() < 0.1:
                district_cell = ""
            day, month = rng.randint(1, 28), rng.randint(1, 12)
            if rng.random() < 0.03:
                day, month = rng.choice([(32, 1), ("abc", 5), (15, 13)])
            if rng.random() < 0.3:
                day, month = "", ""
            member = f"M{n:08d}" if rng.random() < 0.3 else ""
            writer.writerow(
                [
                    member,
                    name,
                    mobile,
                    "",
                    email,
                    district_cell,
                    rng.choice(CHANNELS + [""]),
                    day,
                    month,
                ]
            )
            people.append((name, digits, email, district))
            if len(people) > 5000:
                people.pop(rng.randrange(len(people)))
    return count


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", help="CSV or XLSX file to import")
    parser.add_argument("--db", help="database")
    parser.add_argument("--url", default=os.environ.get("CRM_URL", "http://localhost:8069"))
    parser.add_argument("--login", default=os.environ.get("CRM_LOGIN", "admin"))
    parser.add_argument(
        "--password",
        default=os.environ.get("CRM_PASSWORD", "admin"),
        help="password or API key (or CRM_PASSWORD)",
    )
    parser.add_argument("--batch", type=int, default=1000, help="rows per call (max 5,000)")
    parser.add_argument(
        "--stop-after", type=int, default=0, help="stop after this many batches (to test resuming)"
    )
    parser.add_argument(
        "--generate",
        type=int,
        metavar="N",
        help="write N realistic rows with defects to FILE instead",
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if not args.file:
        parser.error("FILE is required")
    if args.generate:
        started = time.monotonic()
        generate(args.generate, args.file, args.seed)
        print(
            f"{args.generate:,} rows written to {args.file} in {time.monotonic() - started:.1f} s"
        )
        return 0
    if not args.db:
        parser.error("--db is required")
    if not 1 <= args.batch <= 5000:
        parser.error("--batch must be between 1 and 5,000")
    try:
        run_import(args)
    except xmlrpc.client.Fault as fault:
        print(f"refused: {fault.faultString.strip().splitlines()[-1]}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
