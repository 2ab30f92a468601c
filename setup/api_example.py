"""A runnable XML-RPC client of the Retail CRM integration API.

    ./setup/run.sh                          # in another terminal: the demo server
    .venv/bin/python setup/api_example.py [--url http://localhost:8069] [--db crm_retail]

It logs in as the demo administrator, upserts two customers, records an
online visit, an order and a consent, reads the customer summary, and
compiles a report and fetches its XLSX.
"""

import argparse
import base64
import uuid
import xmlrpc.client


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://localhost:8069")
    parser.add_argument("--db", default="crm_retail")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    args = parser.parse_args()

    common = xmlrpc.client.ServerProxy(f"{args.url}/xmlrpc/2/common")
    uid = common.authenticate(args.db, args.login, args.password, {})
    models = xmlrpc.client.ServerProxy(f"{args.url}/xmlrpc/2/object", allow_none=True)

    def api(method, *params, **kwargs):
        return models.execute_kw(
            args.db, uid, args.password, "crm.retail.api", method, list(params), kwargs
        )

    tag = uuid.uuid4().hex[:6]
    # 1. customers: found by membership number, phone or email; safe to retry
    batch = api(
        "customer_upsert_batch",
        [
            {
                "name": "Chan Siu Ming 陳小明",
                "phone": "+852 9123 4567",
                "district": "YT",
                "channel": "online",
                "email": f"siuming.{tag}@example.com",
            },
            {"name": "Lee Ka Yan 李嘉欣", "email": f"kayan.{tag}@example.com", "tier": "gold"},
        ],
        idempotency_key=f"example-{tag}",
        mode="per_record",
    )
    print("upsert:", batch["created"], "created,", batch["updated"], "updated")
    customer = batch["results"][0]["id"]
    # 2. online activity and an order from the e-shop
    api("online_activity_record", [{"customer": customer, "kind": "visit"}])
    products = models.execute_kw(
        args.db,
        uid,
        args.password,
        "product.product",
        "search_read",
        [[("sale_ok", "=", True), ("default_code", "!=", False)]],
        {"fields": ["default_code"], "limit": 1},
    )
    if products:
        order = api(
            "order_record",
            {
                "external_ref": f"WEB-{tag}",
                "customer": {"email": f"siuming.{tag}@example.com"},
                "branch": "WEB",
                "confirm": True,
                "lines": [{"product": products[0]["default_code"], "qty": 1}],
            },
        )
        print("order:", order["name"], order["state"])
    # 3. direct-marketing consent (PDPO Part 6A)
    api(
        "consent_record",
        [{"customer": customer, "purpose": "promotions", "channel": "email", "source": "web"}],
    )
    # 4. what the call centre sees
    summary = api("customer_summary", customer)
    print("summary:", summary["profile"]["name"], summary.get("consents"))
    # 5. a department report as XLSX
    run = api("report_run", "sales_performance")
    if run["state"] == "done":
        file = api("report_fetch", run["run_id"], "xlsx")
        with open(file["name"], "wb") as handle:
            handle.write(base64.b64decode(file["data"]))
        print("report:", file["name"], run["row_count"], "rows, sha256", file["checksum"])


if __name__ == "__main__":
    main()
