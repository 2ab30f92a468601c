import { registry } from "@web/core/registry";
import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";
import * as NumberPopup from "@point_of_sale/../tests/tours/utils/number_popup_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import * as PaymentScreen from "@point_of_sale/../tests/tours/utils/payment_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/tours/utils/receipt_screen_util";
import * as SelectionPopup from "@point_of_sale/../tests/tours/utils/selection_popup_util";
import * as TicketScreen from "@point_of_sale/../tests/tours/utils/ticket_screen_util";
import { openRegister, searchCustomer } from "@crm_retail_compile/../tests/tours/pos_till_steps";

/**
 * A deposit for a custom order at the till (crm_jewellery_ext/tests/
 * test_pos_deposit_tour.py): the cashier finds the customer by phone, takes
 * a deposit of 3,000 for their custom order CO-TOUR-1 and pays in cash; in
 * the second tour the deposit is then refunded at the till (Orders, Refund)
 * and paid back in cash.
 */
function takeDeposit() {
    return [
        openRegister(),
        ProductScreen.clickPartnerButton(),
        searchCustomer("9456 7812"),
        {
            content: "choose the customer",
            trigger: ".partner-list .partner-info b:contains('Tour Deposit Customer')",
            run: "click",
        },
        ProductScreen.customerIsSelected("Tour Deposit Customer"),
        ProductScreen.clickControlButton("Custom Order Deposit"),
        SelectionPopup.has("CO-TOUR-1", { run: "click" }),
        NumberPopup.enterValue("3000"),
        NumberPopup.isShown("3000"),
        Dialog.confirm(),
        {
            content: "the line names the custom order it pays",
            trigger: ".order-container .orderline:contains('CO-TOUR-1')",
        },
        ProductScreen.clickPayButton(),
        PaymentScreen.clickPaymentMethod("Cash"),
        PaymentScreen.clickValidate(),
        ReceiptScreen.isShown(),
    ].flat();
}

registry.category("web_tour.tours").add("crm_jewellery_pos_deposit", {
    steps: () => takeDeposit(),
});

registry.category("web_tour.tours").add("crm_jewellery_pos_deposit_refund", {
    steps: () =>
        [
            takeDeposit(),
            ReceiptScreen.clickNextOrder(),
            // the customer changes their mind: the deposit is refunded
            ProductScreen.clickRefund(),
            TicketScreen.selectOrder("Tour Deposit Customer"),
            ProductScreen.clickNumpad("1"),
            TicketScreen.toRefundTextContains("To Refund: 1.00"),
            TicketScreen.confirmRefund(),
            ProductScreen.isShown(),
            ProductScreen.customerIsSelected("Tour Deposit Customer"),
            ProductScreen.orderLineHas("Custom Order Deposit", "-1.00"),
            // the refund line names the custom order it pays back
            {
                content: "the refund line names the custom order",
                trigger: ".order-container .orderline:contains('CO-TOUR-1'):contains('-1.00')",
            },
            ProductScreen.clickPayButton(),
            PaymentScreen.totalIs("3,000.00"),
            PaymentScreen.clickPaymentMethod("Cash"),
            PaymentScreen.remainingIs("0.00"),
            PaymentScreen.clickValidate(),
            ReceiptScreen.isShown(),
        ].flat(),
});
