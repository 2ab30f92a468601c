import { registry } from "@web/core/registry";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import * as PaymentScreen from "@point_of_sale/../tests/tours/utils/payment_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/tours/utils/receipt_screen_util";
import { openRegister, searchCustomer } from "@crm_retail_compile/../tests/tours/pos_till_steps";

/**
 * The customer at the till (crm_retail_compile/tests/test_pos_till_tour.py):
 * a cashier sells to a customer found by a phone number typed in another
 * format than the one stored, then enrols a new customer with the
 * collection notice and an e-mail consent, and takes the payment each time.
 * Elements are found by the classes and data attributes of the suite's POS
 * screens, records by the names the test gives them.
 */
function sell(product) {
    return [ProductScreen.clickDisplayedProduct(product), ProductScreen.clickPartnerButton()].flat();
}

function pay() {
    return [
        ProductScreen.clickPayButton(),
        PaymentScreen.clickPaymentMethod("Cash"),
        PaymentScreen.clickValidate(),
        ReceiptScreen.isShown(),
        ReceiptScreen.clickNextOrder(),
    ].flat();
}

function customerIsSet(name) {
    return {
        content: `the order's customer is ${name}`,
        trigger: `.product-screen .set-partner:contains("${name}")`,
    };
}

registry.category("web_tour.tours").add("crm_retail_pos_till", {
    steps: () =>
        [
            openRegister(),
            // 1. a known customer, found by "(852) 9345-6781" (stored "+852 9345 6781")
            sell("Tour Till Ring"),
            // the phone, written differently
            searchCustomer("(852) 9345-6781"),
            {
                content: "the customer found shows their membership number",
                trigger: ".partner-list .partner-info:contains('Tour Till Customer') .crm-pos-membership",
            },
            // the customer's privacy choices at the till
            {
                content: "open the customer's menu",
                trigger:
                    ".partner-list .partner-info:contains('Tour Till Customer') .edit-partner-button-cell .dropdown-toggle, .partner-list .partner-info:contains('Tour Till Customer') .edit-partner-button-cell button:has(.fa-bars)",
                run: "click",
            },
            {
                content: "privacy and consent",
                trigger: ".o-dropdown-item:contains('Privacy and Consent')",
                run: "click",
            },
            {
                content: "the customer was given the collection notice",
                trigger: ".crm-pos-customer-dialog input.crm-pos-ack:not(:disabled)",
                run: "click",
            },
            {
                content: "consent to promotions by SMS",
                trigger:
                    ".crm-pos-customer-dialog input.crm-pos-consent[data-purpose-code='promotions'][data-channel='sms']",
                run: "click",
            },
            {
                content: "save the customer's choices",
                trigger: ".crm-pos-customer-dialog .crm-pos-save",
                run: "click",
            },
            {
                content: "back to the customer list",
                trigger: ".modal .partner-list",
            },
            {
                content: "choose the customer",
                trigger: ".partner-list .partner-info b:contains('Tour Till Customer')",
                run: "click",
            },
            customerIsSet("Tour Till Customer"),
            pay(),
            // 2. a new customer, enrolled with the notice and a consent
            sell("Tour Till Ring"),
            {
                content: "enrol a new member",
                trigger: ".modal .crm-pos-enrol-button",
                run: "click",
            },
            {
                content: "name",
                trigger: ".crm-pos-customer-dialog input.crm-pos-name",
                run: "edit Tour Till Newcomer",
            },
            {
                content: "phone, as the customer says it",
                trigger: ".crm-pos-customer-dialog input.crm-pos-phone",
                run: "edit 6188 2233",
            },
            {
                content: "e-mail",
                trigger: ".crm-pos-customer-dialog input.crm-pos-email",
                run: "edit tour.newcomer@example.com",
            },
            {
                content: "saving without the notice is refused",
                trigger: ".crm-pos-customer-dialog .crm-pos-save",
                run: "click",
            },
            {
                content: "the till says why",
                trigger: ".crm-pos-customer-dialog .crm-pos-error",
            },
            {
                content: "the customer was given the collection notice",
                trigger: ".crm-pos-customer-dialog input.crm-pos-ack",
                run: "click",
            },
            {
                content: "consent to promotions by e-mail",
                trigger:
                    ".crm-pos-customer-dialog input.crm-pos-consent[data-purpose-code='promotions'][data-channel='email']",
                run: "click",
            },
            {
                content: "enrol",
                trigger: ".crm-pos-customer-dialog .crm-pos-save",
                run: "click",
            },
            customerIsSet("Tour Till Newcomer"),
            pay(),
        ].flat(),
});
