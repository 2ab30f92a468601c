"""Jewellery datasets of the department report engine.

Pure data: crm.report.template._get_datasets() of this add-on adds them to the
datasets of the databases where the add-on is installed (importing this
module registers nothing).
"""

from odoo.addons.crm_retail_compile.lib.report_engine import (
    Dataset,
    Dimension,
    Measure,
)

REVIEWS = Dataset(
    model="crm.jewellery.review",
    label="Product reviews",
    date_field="review_date",
    customer_field="partner_id",
    base_domain=[("state", "=", "received")],
    dimensions={
        "branch": Dimension("retail_branch_id", "Branch"),
        "product_category": Dimension("categ_id", "Product Category"),
        "product": Dimension("product_id", "Product"),
        "source": Dimension("source", "Source", "selection"),
        "channel": Dimension("channel", "Channel", "selection"),
    },
    measures={
        "reviews": Measure("Reviews", ("count", "id")),
        "avg_rating": Measure("Average Rating", ("avg", "rating")),
        "low_ratings": Measure("Low Ratings", ("sum", "low_rating_count")),
        "customers": Measure("Customers", ("count_distinct", "partner_id")),
    },
)

DATASETS = {"reviews": REVIEWS}
