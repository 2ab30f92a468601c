"""Generate a realistic, deterministic Retail CRM data set for load and feature tests.

Run it through ``setup/generate_data.py`` (options: ``--help``).  It fills an
Odoo 18 database where ``crm_retail_compile`` is installed with Hong Kong
retail / jewellery data: shop branches, a few salespeople per branch,
jewellery and retail categories and products, retail customers with
bilingual names, membership numbers ``G<partner id>``, tiers, districts,
birthdays, Hong Kong phone numbers and e-mail addresses (with a small share
of deliberately bad data for the data-quality features), and sale orders
with their lines spread over the last months with seasonality, discounts
and the amounts and margins Odoo itself would compute.

How: the few configuration records go through the ORM; customers, products,
orders and lines are written set-based with ``COPY FROM STDIN`` in
batches, in a single transaction (an error leaves the database untouched).
Columns the generator does not set itself get the value the ORM gives a
prototype record created and rolled back in the same transaction.  The same
seed, sizes, ``--today`` and database state give the same data.

One module per domain, in the order a load runs (each can be read whole):

``settings``    sizes, random streams, prefixes, the default configuration
``refdata``     Hong Kong reference tables: branches, names, phone prefixes,
                districts, tiers, product categories, the sales calendar
``database``    Odoo registry, id reservation, COPY layouts and loader,
                foreign-key checks
``indexes``     deferring the secondary indexes of large loads; ANALYZE
``branches``    configuration records through the ORM: company currency,
                pricelist, branches, salespeople, tiers (``Reference``)
``prototypes``  the COPY layout of each bulk table, defaults from an ORM
                prototype; computed fields of unknown modules
``products``    categories and products
``customers``   customers: names, phones, e-mails, addresses, defects
``orders``      orders and lines: seasonality, states, discounts, amounts
``generate``    the load in one transaction, batch by batch
``verify``      ``--verify``: compare random records with the ORM
``cli``         options and ``main``

``setup/gen_jewellery.py`` adds the jewellery and clienteling part for demo
sizes in the same transaction.

Notes:

* The generated rows carry what the ORM would store: line subtotals, unit
  prices after discount, costs (``purchase_price``), margins, order totals,
  ``invoice_status`` and ``qty_to_invoice`` are computed exactly (integer
  cents, Odoo's half-up rounding); no tax (Hong Kong has no sales tax, the
  generated products have none).  ``--verify`` recomputes them with the ORM
  for about 30 orders (always including below-cost, heavily discounted and
  not confirmed ones) and 200 customers and runs the model constraints.
* The bulk orders get no stock pickings, stock moves or invoices: confirmed
  orders are "to invoice" with nothing delivered (``qty_delivered`` 0), which
  is what the ORM computes for orders without pickings.  For demo sizes
  (``--jewellery auto``: up to 50,000 customers; ``yes`` / ``no`` force it),
  ``setup/gen_jewellery.py`` then adds in the same transaction: a manager and
  staff for every branch and a salesperson for every customer, collection
  notice acknowledgements and marketing consents (about half of the
  customers), custom orders and repairs at every status, certificates,
  anniversaries, wish lists, calls, online activity, and for a sample of the
  orders deliveries, invoices, payments (bank and cash), a refund and reviews.
* Membership numbers are ``G`` + the zero-padded partner id; order names
  continue the ``sale.order`` sequence, which is moved past them.  A database
  that already has ``G...`` members or ``sales.*`` users is refused unless
  ``--append`` is given (products and users are then reused).
* When the database user is a superuser, the row-by-row foreign key triggers
  are skipped for the transaction (``SET LOCAL session_replication_role``) and
  all foreign keys of the new rows are checked afterwards in one pass per
  table; otherwise the triggers run (slower).  With ``--defer-indexes`` the
  non-unique indexes of res_partner, sale_order and sale_order_line are
  dropped in the transaction and recreated from their own definitions before
  the commit (the tables stay locked meanwhile: use it on a database nobody
  else uses).  Nothing is left dropped or altered.
* Stored computed fields added by other modules (not known to the generator)
  are recomputed with the ORM after the load, and checked by ``--verify``.
* ``customer_lead``, partner ``lang`` (``zh_HK`` only when that language is
  installed) and the other columns follow the database; the company currency
  becomes HKD when no journal item exists yet (demo data has some: the
  currency is then kept).
* Each order has its sales channel and team (``order_channels``): the online
  store's orders online, about 6% of the shops' orders taken by telephone,
  and the orders of one customer in 40 (trade accounts) wholesale, on an
  "Online Store" and a "Wholesale" team (found by their channel or created).

The names below are the package's public helpers (used by the unit tests
in ``tests/test_generate_data_unit.py``).
"""

from .cli import main, parse_args
from .customers import (
    NameBook,
    PhoneBook,
    duplicate_name,
    email_tag,
    format_grouped,
    format_hk_number,
    membership_number,
    scramble,
    special_rows,
)
from .database import copy_escape, copy_literal, date_strings, day_strings
from .generate import generate, with_jewellery
from .orders import (
    SALES_CHANNEL_NAMES,
    day_weights,
    line_amounts,
    months_back,
    order_channels,
    plan_order_sizes,
    round_half_up_div,
)
from .products import nice_price, plan_products
from .refdata import CATEGORIES, HK_FIXED_PREFIXES, HK_MOBILE_PREFIXES, VISITOR_COUNTRIES
from .settings import CUSTOMER_BATCH
from .verify import verify

__all__ = [
    "CATEGORIES",
    "CUSTOMER_BATCH",
    "HK_FIXED_PREFIXES",
    "HK_MOBILE_PREFIXES",
    "SALES_CHANNEL_NAMES",
    "VISITOR_COUNTRIES",
    "NameBook",
    "PhoneBook",
    "copy_escape",
    "copy_literal",
    "date_strings",
    "day_strings",
    "day_weights",
    "duplicate_name",
    "email_tag",
    "format_grouped",
    "format_hk_number",
    "generate",
    "line_amounts",
    "main",
    "membership_number",
    "months_back",
    "nice_price",
    "order_channels",
    "parse_args",
    "plan_order_sizes",
    "plan_products",
    "round_half_up_div",
    "scramble",
    "special_rows",
    "verify",
    "with_jewellery",
]
