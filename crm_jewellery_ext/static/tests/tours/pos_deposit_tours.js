import { registry } from "@web/core/registry";
import * as Chrome from "@point_of_sale/../tests/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";
import * as NumberPopup from "@point_of_sale/../tests/tours/utils/number_popup_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import * as PaymentScreen from "@point_of_sale/../tests/tours/utils/payment_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/tours/utils/receipt_screen_util";
import * as SelectionPopup from "@point_of_sale/../tests/tours/utils/selection_popup_util";

/**
 * A deposit for a custom order at the till (crm_jewellery_ext/tests/
 * test_pos_deposit_tour.py): the cashier finds the customer by phone, takes
 * a deposit of 3,000 for their custom order CO-TOUR-1 and pays in cash.
 */
registry.category("web_tour.tours").add("crm_jewellery_pos_deposit", {
    steps: () =>
        [
            Chrome.startPoS(),
            {
                content: "count the opening cash (the till has cash control)",
                trigger: ".modal .opening-notes",
            },
            Dialog.confirm("Open Register"),
            ProductScreen.clickPartnerButton(),
            {
                content: "search the customer by phone",
                trigger: ".modal-dialog .input-group input",
                run: "edit 9456 7812",
            },
            {
                content: "search the server too",
                trigger: ".search-more-button > button",
                run: "click",
            },
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
        ].flat(),
});
