"""The customer import template (XLSX, no ORM): its bilingual columns, which
the import dialog maps to the customer fields (``base_import.mapping``
records made from ``TEMPLATE_COLUMNS``), and the allowed values of the coded
columns on a second sheet with drop-down lists."""

import io
import re

import xlsxwriter

# (English header, Chinese header, res.partner field, customer_upsert_batch key, note)
TEMPLATE_COLUMNS = (
    ("Membership No.", "會員編號", "membership_number", "membership_number", "Key: matched first"),
    ("Name", "姓名", "name", "name", ""),
    ("Mobile", "手提電話", "mobile", "mobile", "Any Hong Kong format: 91234567, +852 9123 4567"),
    ("Phone", "電話", "phone", "phone", "Any Hong Kong format; foreign numbers with +"),
    ("E-mail", "電郵", "email", "email", ""),
    ("District", "地區", "district_id", "district", "See Allowed Values"),
    ("Membership Tier", "會員等級", "membership_tier_id", "tier", "See Allowed Values"),
    ("Home Branch", "所屬分店", "retail_branch_id", "branch", "See Allowed Values"),
    ("Channel", "渠道", "retail_channel", "channel", "See Allowed Values"),
    (
        "Preferred Language",
        "首選語言",
        "preferred_language",
        "preferred_language",
        "See Allowed Values",
    ),
    (
        "Preferred Contact Channel",
        "首選聯絡方式",
        "preferred_contact_channel",
        "preferred_contact_channel",
        "See Allowed Values",
    ),
    ("Residency", "居住身份", "residency", "residency", "See Allowed Values"),
    ("Birthday Day", "生日日期", "birthday_day", "birthday_day", "1-31"),
    ("Birthday Month", "生日月份", "birthday_month", "birthday_month", "1-12"),
    ("Birth Year", "出生年份", "birthday_year", "birthday_year", "Optional"),
    ("Online Account", "網店帳戶", "online_account", "online_account", ""),
    ("Interests", "興趣", "interest_ids", "interests", "Comma-separated"),
)
# res.partner field -> customer_upsert_batch key
FIELD_KEYS = {column[2]: column[3] for column in TEMPLATE_COLUMNS}
# keys whose cells may hold a code, a name or a label (see ``lookups``)
CODED_KEYS = (
    "district",
    "tier",
    "branch",
    "channel",
    "preferred_language",
    "preferred_contact_channel",
    "residency",
)
INTEGER_KEYS = ("birthday_day", "birthday_month", "birthday_year")
_LIST_SPLIT_RE = re.compile(r"\s*[,;，；、]\s*")
DATA_SHEET = "Customers 客戶"
VALUES_SHEET = "Allowed Values 允許值"
TEMPLATE_ROWS = 5000  # rows with drop-down lists


def column_keys(headers):
    """The upsert key of each header of a file (None for the others): a
    template header ('English 中文'), its English or Chinese part, the
    field name or the key itself."""
    names = {}
    for column in TEMPLATE_COLUMNS:
        for name in (header(column), column[0], column[1], column[2], column[3]):
            names[name.casefold()] = column[3]
    return [names.get(str(h or "").strip().casefold()) for h in headers]


def row_payload(keys, row, lookups):
    """(payload, None) or (None, error) of one row of a file.

    ``keys`` are the upsert keys of the columns (None: ignored), ``lookups``
    {key: {casefolded code, name or label: code}} of the coded columns.
    Empty cells are left out: an import never erases what is known.
    """
    payload = {}
    for key, value in zip(keys, row, strict=False):
        if key is None:
            continue
        if isinstance(value, str):
            value = value.strip()
        if value is None or value is False or value == "":
            continue
        if key in CODED_KEYS:
            text = str(value)
            payload[key] = lookups.get(key, {}).get(text.casefold(), text)
        elif key in INTEGER_KEYS:
            try:
                number = float(value)
            except (TypeError, ValueError):
                return None, f"'{key}' must be a number, not {str(value)[:40]!r}"
            if not number.is_integer():
                return None, f"'{key}' must be a whole number, not {str(value)[:40]!r}"
            payload[key] = int(number)
        elif key == "interests":
            payload[key] = [name for name in _LIST_SPLIT_RE.split(str(value)) if name]
        elif isinstance(value, float) and value.is_integer():
            payload[key] = str(int(value))  # a phone number read as a number
        else:
            payload[key] = str(value)
    return payload, None


def header(column):
    """The header of a column, as written in the template: 'English 中文'."""
    return f"{column[0]} {column[1]}"


def mapping_rows():
    """(column name as the import dialog looks it up, field) of each column."""
    return [(header(column).lower(), column[2]) for column in TEMPLATE_COLUMNS]


def build_template(allowed, instructions=()):
    """The template as XLSX bytes.

    :param allowed: {field: [(value, translation)]}: the allowed values of the
        coded columns; the first of each pair is offered in the drop-down
        list, both are accepted by the import.
    :param instructions: lines written under the allowed values.
    """
    output = io.BytesIO()
    book = xlsxwriter.Workbook(output, {"in_memory": True, "strings_to_formulas": False})
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    text = book.add_format({"num_format": "@"})
    sheet = book.add_worksheet(DATA_SHEET)
    values = book.add_worksheet(VALUES_SHEET)
    sheet.freeze_panes(1, 0)
    columns = {column[2]: index for index, column in enumerate(TEMPLATE_COLUMNS)}
    for index, column in enumerate(TEMPLATE_COLUMNS):
        sheet.write_string(0, index, header(column), head)
        # phones and numbers as text: a leading + or 0 survives
        sheet.set_column(index, index, 22, text if column[2] != "name" else None)
        if column[4]:
            sheet.write_comment(0, index, column[4])
    col = 0
    for field, pairs in allowed.items():
        column = TEMPLATE_COLUMNS[columns[field]]
        values.write_string(0, col, header(column), head)
        values.write_string(0, col + 1, column[1], head)
        values.set_column(col, col + 1, 28)
        for row, (value, translation) in enumerate(pairs, start=1):
            values.write_string(row, col, str(value))
            values.write_string(row, col + 1, str(translation or ""))
        if pairs:
            letter = xlsxwriter.utility.xl_col_to_name(col)
            sheet.data_validation(
                1,
                columns[field],
                TEMPLATE_ROWS,
                columns[field],
                {
                    "validate": "list",
                    "source": f"='{VALUES_SHEET}'!${letter}$2:${letter}${len(pairs) + 1}",
                    # codes and the other language are accepted too
                    "error_type": "information",
                },
            )
        col += 3
    row = max((len(pairs) for pairs in allowed.values()), default=0) + 3
    for line in instructions:
        values.write_string(row, 0, line)
        row += 1
    book.close()
    return output.getvalue()
