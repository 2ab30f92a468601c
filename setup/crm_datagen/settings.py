"""Settings shared by every part of the generator: sizes, random streams, names.

Batch sizes are fixed so that each batch has its own random stream
(:func:`batch_rng`): the data does not depend on how it is cut into COPY
statements.  Every part draws from its own stream (``STREAM_*``, the second
element of the seed), so adding draws to one part leaves the others as they
were; ``setup/gen_jewellery.py`` uses streams 40 to 59.
"""

from __future__ import annotations

import datetime as dt
import os

import numpy as np

# the repository: setup/crm_datagen/settings.py -> ../..
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_CONFIG = os.path.join(REPO, ".odoo-effective.conf")

# The tables the generator writes with COPY (their sequences are moved past
# the new ids, and they are analyzed after the commit).
COPY_TABLES = (
    "res_partner",
    "product_template",
    "product_product",
    "sale_order",
    "sale_order_line",
)

# Fixed batch sizes: each batch has its own random stream, so the data does
# not depend on how it is cut into COPY statements.
CUSTOMER_BATCH = 50_000
ORDER_BATCH = 100_000
# the jewellery/clienteling part is generated up to this many customers (--jewellery auto)
JEWELLERY_AUTO_MAX_CUSTOMERS = 50_000

# Random streams (second element of the seed of each generator).
STREAM_SETUP, STREAM_PRODUCTS, STREAM_CUSTOMERS, STREAM_SPECIALS = 1, 2, 3, 4
STREAM_ORDER_PLAN, STREAM_ORDERS, STREAM_VERIFY = 5, 6, 7

MEMBERSHIP_PREFIX = "G"
SALES_LOGIN = "sales.{code}.{n}"
XMLID_MODULE = "__import__"
XMLID_PREFIX = "retail_gen_"
TZ_HK = "Asia/Hong_Kong"
HK_UTC_OFFSET = 8 * 3600
EPOCH = dt.date(1970, 1, 1)


def batch_rng(seed, stream, *indexes):
    return np.random.default_rng([seed, stream, *indexes])
