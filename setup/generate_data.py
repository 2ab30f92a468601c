#!/usr/bin/env python3
"""Generate a realistic, deterministic Retail CRM data set for load and feature tests.

The generator itself is the package ``setup/crm_datagen/`` (one module per
domain; its ``__init__.py`` explains what is generated and how); this script
is its command line.

Usage::

    .venv/bin/python setup/generate_data.py --db crm_retail
    .venv/bin/python setup/generate_data.py --db crm_load --customers 1000000 \\
        --lines 10000000 --months 24 --seed 42
    .venv/bin/python setup/generate_data.py --db crm_retail --verify-only

Options (see ``--help``): ``--customers`` (2000), ``--lines`` sale order lines
(20000), ``--months`` (24), ``--products`` (200), ``--salespeople`` per branch
(4), ``--seed`` (42), ``--today`` (the last day of the period, default today in
Hong Kong), ``--config`` (the rendered Odoo configuration with db_host,
db_port, db_user and db_password, default .odoo-effective.conf of the
repository), ``--append`` (add data to a database that already has generated
data), ``--defer-indexes auto|yes|no`` (rebuild the non-unique indexes of the
big tables after the load; auto from 1,000,000 lines or 200,000 customers),
``--jewellery auto|yes|no`` (the jewellery and clienteling part of
``setup/gen_jewellery.py``; auto up to 50,000 customers),
``--verify`` / ``--verify-only`` (recompute random orders and customers with
the ORM and compare them with the stored values; exit status 1 on a mismatch).

The same seed, sizes, ``--today`` and database state give the same data.
"""

import os
import sys

# the package and setup/gen_jewellery.py are imported from this folder
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from crm_datagen import *
from crm_datagen import main

if __name__ == "__main__":
    sys.exit(main())
