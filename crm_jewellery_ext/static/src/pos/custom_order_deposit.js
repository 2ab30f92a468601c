import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";
import { AlertDialog } from "@web/core/confirmation_dialog/confirmation_dialog";
import { PosStore } from "@point_of_sale/app/store/pos_store";
import { PosOrderline } from "@point_of_sale/app/models/pos_order_line";
import { ControlButtons } from "@point_of_sale/app/screens/product_screen/control_buttons/control_buttons";
import { SelectionPopup } from "@point_of_sale/app/utils/input_popups/selection_popup";
import { NumberPopup } from "@point_of_sale/app/utils/input_popups/number_popup";
import { makeAwaitable } from "@point_of_sale/app/store/make_awaitable_dialog";

/**
 * A deposit at the till for one of the customer's open custom orders: the
 * server lists the orders the cashier may see
 * (crm.jewellery.custom.order.crm_pos_deposit_orders), the cashier picks one
 * and the amount (the balance by default, never more), and the order gets a
 * line of the deposit product naming the custom order (custom_order_id),
 * which the server counts toward that order once the POS order is paid.
 */
patch(PosStore.prototype, {
    async crmTakeCustomOrderDeposit() {
        const order = this.get_order();
        const partner = order?.get_partner();
        if (!partner) {
            this.dialog.add(AlertDialog, {
                title: _t("Custom Order Deposit"),
                body: _t("Select the customer first: a deposit is taken for their custom order."),
            });
            return;
        }
        const result = await this.data.call(
            "crm.jewellery.custom.order",
            "crm_pos_deposit_orders",
            [this.config.id, partner.id]
        );
        const orders = result.orders.filter((customOrder) => customOrder.balance > 0);
        if (!orders.length) {
            this.dialog.add(AlertDialog, {
                title: _t("Custom Order Deposit"),
                body: _t("%s has no open custom order with a balance to pay.", partner.name),
            });
            return;
        }
        const fmt = (amount) => this.env.utils.formatCurrency(amount);
        const customOrder = await makeAwaitable(this.dialog, SelectionPopup, {
            title: _t("Custom Order Deposit: %s", partner.name),
            list: orders.map((item) => ({
                id: item.id,
                label: `${item.name} · ${item.state}`,
                description: [
                    item.description,
                    _t("Total %(total)s, paid %(paid)s, balance %(balance)s", {
                        total: fmt(item.total),
                        paid: fmt(item.paid),
                        balance: fmt(item.balance),
                    }),
                ]
                    .filter(Boolean)
                    .join(" · "),
                item,
            })),
        });
        if (!customOrder) {
            return;
        }
        const parse = (value) => this.env.utils.parseValidFloat(String(value || "0"));
        const amount = await makeAwaitable(this.dialog, NumberPopup, {
            title: _t("Deposit for %s", customOrder.name),
            subtitle: _t("Balance: %s", fmt(customOrder.balance)),
            startingValue: String(customOrder.balance),
            isValid: (value) => {
                const number = parse(value);
                return number > 0 && number <= customOrder.balance;
            },
        });
        if (amount === undefined) {
            return;
        }
        const price = parse(amount);
        if (!(price > 0 && price <= customOrder.balance)) {
            this.dialog.add(AlertDialog, {
                title: _t("Custom Order Deposit"),
                body: _t(
                    "The deposit must be more than zero and at most the balance, %s.",
                    fmt(customOrder.balance)
                ),
            });
            return;
        }
        let product = this.models["product.product"].get(result.product_id);
        if (!product && result.product_id) {
            [product] = await this.data.read("product.product", [result.product_id]);
        }
        if (!product) {
            this.dialog.add(AlertDialog, {
                title: _t("Custom Order Deposit"),
                body: _t("The deposit product is not available in this point of sale."),
            });
            return;
        }
        return await this.addLineToCurrentOrder(
            {
                product_id: product,
                price_unit: price,
                qty: 1,
                custom_order_id: { id: customOrder.id, name: customOrder.name },
            },
            { merge: false },
            false
        );
    },
});

patch(ControlButtons.prototype, {
    async clickCustomOrderDeposit() {
        await this.pos.crmTakeCustomOrderDeposit();
    },
});

/**
 * The custom order a line pays: {id, name} when set at the till, the id
 * alone when the line comes back from the server or the browser's storage
 * (the custom order is no model of the till's).
 */
patch(PosOrderline.prototype, {
    setup(vals) {
        super.setup(...arguments);
        if (vals.custom_order_id && !this.custom_order_id) {
            this.custom_order_id = vals.custom_order_id;
        }
        if (this.custom_order_id && vals.full_product_name) {
            this.full_product_name = vals.full_product_name;
        }
        // a refund of a deposit pays back the same custom order, and says so
        const refunded = this.refunded_orderline_id;
        if (!this.crmCustomOrderId && refunded?.crmCustomOrderId) {
            this.custom_order_id = refunded.custom_order_id;
            this.full_product_name = refunded.full_product_name || this.full_product_name;
        }
    },

    get crmCustomOrderId() {
        const value = this.custom_order_id;
        return (value && typeof value === "object" ? value.id : value) || false;
    },

    set_full_product_name() {
        super.set_full_product_name(...arguments);
        const name = this.custom_order_id?.name;
        if (name) {
            this.full_product_name = _t("%(product)s for %(order)s", {
                product: this.full_product_name || this.product_id?.display_name || "",
                order: name,
            });
        }
    },

    can_be_merged_with(orderline) {
        return (
            !this.crmCustomOrderId &&
            !orderline.crmCustomOrderId &&
            super.can_be_merged_with(...arguments)
        );
    },

    serialize(options = {}) {
        const data = super.serialize(...arguments);
        if ("custom_order_id" in data || this.crmCustomOrderId) {
            data.custom_order_id = this.crmCustomOrderId;
        }
        return data;
    },
});
