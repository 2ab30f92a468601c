"""Product categories and products.

:func:`ensure_categories` creates the jewellery and retail categories of
``refdata.CATEGORIES`` through the ORM (with ``__import__.retail_gen_*``
xml-ids, reused by later runs).  :func:`plan_products` draws ``--products``
products spread over the categories by their share of sales, with a shop
price (:func:`nice_price`, log-uniform in the category's range) and a cost
ratio; :func:`create_products` queues their product_template and
product_product rows for COPY and returns a :class:`Products` of the arrays
the order lines draw from (cheaper products are picked more often).
:func:`existing_products` reloads them for ``--append``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np

from .database import copy_escape
from .refdata import CATEGORIES
from .settings import XMLID_MODULE, XMLID_PREFIX


def nice_price(value):
    """A shop price: whole dollars, ending in 0 below 1,000 and in 80 above."""
    if value < 1_000:
        return max(10, round(value / 10.0) * 10)
    return max(1_080, round(value / 100.0) * 100 - 20)


def ascii_slug(text):
    return "".join(ch for ch in text.lower() if ch.isascii() and ch.isalnum())


def xmlid_record(env, name):
    return env.ref(f"{XMLID_MODULE}.{XMLID_PREFIX}{name}", raise_if_not_found=False)


def ensure_categories(env):
    parent = env.ref("product.product_category_all", raise_if_not_found=False)
    categories = []
    for cat in CATEGORIES:
        name = "categ_" + ascii_slug(cat[0])
        record = xmlid_record(env, name)
        if not record:
            record = env["product.category"].create(
                {"name": cat[0], "parent_id": parent.id if parent else False}
            )
            env["ir.model.data"].create(
                {
                    "module": XMLID_MODULE,
                    "name": XMLID_PREFIX + name,
                    "model": "product.category",
                    "res_id": record.id,
                    "noupdate": True,
                }
            )
        categories.append(record.id)
    return categories


@dataclass
class Products:
    ids: np.ndarray
    category: np.ndarray
    price_cents: np.ndarray
    cost_cents: np.ndarray
    line_names: list
    weights: np.ndarray


def plan_products(rng, count):
    """Names, categories and prices of ``count`` products (pure, deterministic)."""
    shares = np.array([c[2] for c in CATEGORIES])
    per_category = np.maximum(1, np.floor(shares / shares.sum() * count)).astype(int)
    while per_category.sum() > count and per_category.max() > 1:
        per_category[per_category.argmax()] -= 1
    per_category[0] += max(0, count - per_category.sum())
    items = []
    for c_index, (cat, n) in enumerate(zip(CATEGORIES, per_category, strict=True)):
        _name, prefix, _share, (low, high), (c_low, c_high), _qty, names, variants = cat
        for k in range(int(n)):
            item_en, item_zh = names[k % len(names)]
            variant = variants[int(rng.integers(len(variants)))]
            price = nice_price(math.exp(rng.uniform(math.log(low), math.log(high))))
            cost = round(price * rng.uniform(c_low, c_high), 2)
            items.append(
                {
                    "category": c_index,
                    "code": f"{prefix}-{k + 1:04d}",
                    "name": f"{item_en} {variant} {item_zh}",
                    "price_cents": price * 100,
                    "cost_cents": round(cost * 100),
                    "weight": 1.0 / math.sqrt(price) * rng.uniform(0.5, 1.5),
                }
            )
    return items[:count]


def create_products(loader, items, tmpl_first, prod_first, ref, specs, now):
    """Queue the COPY of the planned products; return what the order lines need."""
    n = len(items)
    tmpl_ids = list(range(tmpl_first, tmpl_first + n))
    prod_ids = list(range(prod_first, prod_first + n))
    stamp = now.strftime("%Y-%m-%d %H:%M:%S")
    company_key = str(ref.company_id)
    loader.submit(
        specs["product_template"],
        [
            tmpl_ids,
            [copy_escape(json.dumps({"en_US": it["name"]}, ensure_ascii=False)) for it in items],
            [it["code"] for it in items],
            [ref.category_ids[it["category"]] for it in items],
            [it["price_cents"] / 100 for it in items],
            [stamp] * n,
        ],
    )
    loader.submit(
        specs["product_product"],
        [
            prod_ids,
            tmpl_ids,
            [it["code"] for it in items],
            [copy_escape(json.dumps({company_key: it["cost_cents"] / 100})) for it in items],
            [stamp] * n,
        ],
    )
    return Products(
        ids=np.array(prod_ids, dtype=np.int64),
        category=np.array([it["category"] for it in items], dtype=np.int64),
        price_cents=np.array([it["price_cents"] for it in items], dtype=np.int64),
        cost_cents=np.array([it["cost_cents"] for it in items], dtype=np.int64),
        line_names=[copy_escape(f"[{it['code']}] {it['name']}") for it in items],
        weights=np.array([it["weight"] for it in items]),
    )


def existing_products(env, ref):
    """Products of the generated categories (reused by --append)."""
    cr = env.cr
    cr.execute(
        """SELECT pp.id, pt.categ_id, pt.list_price, pp.standard_price ->> %s,
                  pp.default_code, pt.name ->> 'en_US'
             FROM product_product pp JOIN product_template pt ON pt.id = pp.product_tmpl_id
            WHERE pt.categ_id = ANY(%s) AND pp.active AND pt.sale_ok ORDER BY pp.id""",
        [str(ref.company_id), ref.category_ids],
    )
    rows = cr.fetchall()
    if not rows:
        return None
    index = {cid: i for i, cid in enumerate(ref.category_ids)}
    price = np.array([round(float(r[2]) * 100) for r in rows], dtype=np.int64)
    return Products(
        ids=np.array([r[0] for r in rows], dtype=np.int64),
        category=np.array([index[r[1]] for r in rows], dtype=np.int64),
        price_cents=price,
        cost_cents=np.array([round(float(r[3] or 0) * 100) for r in rows], dtype=np.int64),
        line_names=[copy_escape(f"[{r[4]}] {r[5]}" if r[4] else r[5]) for r in rows],
        weights=1.0 / np.sqrt(np.maximum(price, 100) / 100.0),
    )
