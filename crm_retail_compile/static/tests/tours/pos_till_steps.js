import * as Chrome from "@point_of_sale/../tests/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";

/**
 * Steps shared by the suite's tours of Odoo's Point of Sale (the tills of
 * crm_retail_compile and crm_jewellery_ext), on top of Odoo's own tour
 * helpers (point_of_sale/static/tests/tours/utils).
 */

/** Start the till and open its register (the tills have cash control). */
export function openRegister() {
    return [
        Chrome.startPoS(),
        {
            content: "count the opening cash (the till has cash control)",
            trigger: ".modal .opening-notes",
        },
        Dialog.confirm("Open Register"),
    ].flat();
}

/**
 * In the customer list (opened by ProductScreen.clickPartnerButton), search
 * ``text`` (a name, a membership number or a phone in any format) on the
 * till and on the server.
 */
export function searchCustomer(text) {
    return [
        {
            content: `search the customer by "${text}"`,
            trigger: ".modal-dialog .input-group input",
            run: `edit ${text}`,
        },
        {
            content: "search the server too",
            trigger: ".search-more-button > button",
            run: "click",
        },
    ];
}
