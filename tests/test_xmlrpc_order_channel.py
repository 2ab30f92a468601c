"""The sales channel of orders recorded over XML-RPC (issue 21): the API's
``channel`` parameter sets it, old clients without it keep getting the
channel of their branch (online store: online; a shop: in store), and a
bad value gets a clear fault and writes nothing."""

import uuid
import xmlrpc.client

import pytest


@pytest.fixture(scope="module")
def setup(odoo_server, admin):
    tag = uuid.uuid4().hex[:6]
    ref = lambda module, name: admin("ir.model.data", "check_object_reference", module, name)[1]
    shop = admin("crm.retail.branch", "create", {"code": f"CS{tag}", "name": f"Shop {tag}"})
    web = admin(
        "crm.retail.branch",
        "create",
        {"code": f"CW{tag}", "name": f"Web {tag}", "is_online": True},
    )
    login = f"api.channel.{tag}"
    admin(
        "res.users",
        "create",
        {
            "name": f"Channel API {tag}",
            "login": login,
            "password": login + "-pw",
            "groups_id": [(6, 0, [ref("crm_retail_compile", "group_integration")])],
            "retail_branch_ids": [(6, 0, [shop, web])],
            "retail_branch_id": shop,
        },
    )
    admin(
        "product.product",
        "create",
        {"name": f"Pearl {tag}", "default_code": f"PEARL-{tag}", "list_price": 900},
    )
    api = odoo_server.client(login, login + "-pw")
    api("crm.retail.api", "customer_upsert", {"name": "Buyer", "email": f"ch.{tag}@example.com"})
    return {"tag": tag, "api": api}


def order(setup, ref, branch="CS", **extra):
    tag = setup["tag"]
    return {
        "external_ref": f"{ref}-{tag}",
        "customer": {"email": f"ch.{tag}@example.com"},
        "branch": f"{branch}{tag}",
        "confirm": True,
        "lines": [{"product": f"PEARL-{tag}", "qty": 1, "price_unit": 880}],
        **extra,
    }


def channels(admin, order_id):
    sale = admin("sale.order", "read", [order_id], ["crm_sales_channel"])[0]
    events = admin(
        "crm.sales.event", "search_read", [("order_id", "=", order_id)], ["sales_channel"]
    )
    return sale["crm_sales_channel"], {e["sales_channel"] for e in events}


def test_channel_parameter_and_old_clients(setup, admin):
    api = setup["api"]
    recorded = api("crm.retail.api", "order_record", order(setup, "WHS", channel="wholesale"))
    assert channels(admin, recorded["id"]) == ("wholesale", {"wholesale"})
    recorded = api("crm.retail.api", "order_record", order(setup, "TEL", channel="phone"))
    assert channels(admin, recorded["id"]) == ("phone", {"phone"})
    # clients of before the parameter: the branch decides
    recorded = api("crm.retail.api", "order_record", order(setup, "OLD-WEB", branch="CW"))
    assert channels(admin, recorded["id"]) == ("online", {"online"})
    recorded = api("crm.retail.api", "order_record", order(setup, "OLD-SHOP"))
    assert channels(admin, recorded["id"]) == ("store", {"store"})


def test_bad_channel_is_refused_and_nothing_written(setup, admin):
    api, tag = setup["api"], setup["tag"]
    for bad in ("fax", 7, ["online"], {"code": "online"}, True):
        with pytest.raises(xmlrpc.client.Fault) as info:
            api("crm.retail.api", "order_record", order(setup, "BAD", channel=bad))
        fault = info.value.faultString
        assert "'channel' must be one of store, online, wholesale, phone" in fault, fault[:300]
        assert "Traceback" not in fault.split("\n")[0]
    assert admin("sale.order", "search_count", [("client_order_ref", "=", f"BAD-{tag}")]) == 0
    # the events cannot be given a channel by a client either
    recorded = api("crm.retail.api", "order_record", order(setup, "SYS", channel="online"))
    event = admin("crm.sales.event", "search", [("order_id", "=", recorded["id"])])
    with pytest.raises(xmlrpc.client.Fault):
        admin("crm.sales.event", "write", event, {"sales_channel": "store"})
    assert channels(admin, recorded["id"]) == ("online", {"online"})
