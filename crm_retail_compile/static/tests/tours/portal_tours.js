import { registry } from "@web/core/registry";

/**
 * The portal customer's visit (crm_retail_compile/tests/test_portal_tour.py):
 * from the portal home, update the profile (a bad mobile number is refused
 * with the suite's phone rule, then corrected), switch on a marketing
 * consent in the privacy preference centre, and submit a data access
 * request. Elements are found by URLs, names and classes, never by labels.
 */
registry.category("web_tour.tours").add("crm_retail_portal_customer", {
    url: "/my",
    steps: () => [
        {
            content: "open my profile from the portal home",
            trigger: ".o_portal_index_card a[href='/my/account']",
            run: "click",
        },
        {
            content: "type a mobile number that is not a phone number",
            trigger: ".o_portal_details input[name='mobile']",
            run: "edit 12345",
        },
        {
            content: "choose a district",
            trigger: ".o_portal_details select[name='district_id']",
            run: "selectByLabel Tai Po",
        },
        {
            content: "choose SMS as preferred contact channel",
            trigger: ".o_portal_details select[name='preferred_contact_channel']",
            run: "select sms",
        },
        {
            content: "save",
            trigger: ".o_portal_details button[type='submit']",
            run: "click",
        },
        {
            content: "the suite's phone rule explains the error on the form",
            trigger: ".o_portal_details .alert-danger:contains('+852 9123 4567')",
        },
        {
            content: "the bad field is marked",
            trigger: ".o_portal_details input[name='mobile'].is-invalid",
        },
        {
            content: "correct the mobile number",
            trigger: ".o_portal_details input[name='mobile']",
            run: "edit 6123 4567",
        },
        {
            content: "save again",
            trigger: ".o_portal_details button[type='submit']",
            run: "click",
        },
        {
            content: "back on the portal home: open the privacy preferences",
            trigger: ".o_portal_index_card a[href='/my/privacy']",
            run: "click",
        },
        {
            content: "the collection notice is shown",
            trigger: ".o_crm_privacy_notice",
        },
        {
            content: "switch on events by e-mail",
            trigger: "input[data-purpose='events'][data-channel='email']:not(:checked)",
            run: "click",
        },
        {
            content: "confirm the notice was read",
            trigger: "input#notice_read",
            run: "click",
        },
        {
            content: "save the preferences",
            trigger: ".o_crm_privacy_save",
            run: "click",
        },
        {
            content: "saved, and the switch stays on",
            trigger:
                ".o_crm_privacy_saved:not(.alert-info) ~ form input[data-purpose='events'][data-channel='email']:checked",
        },
        {
            content: "go to the requests",
            trigger: "a[href='/my/privacy/requests']",
            run: "click",
        },
        {
            content: "start a new request",
            trigger: ".o_crm_privacy_new_request",
            run: "click",
        },
        {
            content: "a copy of my data",
            trigger: "input#request_type_access",
            run: "click",
        },
        {
            content: "say what is wanted",
            trigger: "textarea[name='request_details']",
            run: "edit Tour: a copy of the data you hold about me.",
        },
        {
            content: "submit the request",
            trigger: ".o_crm_privacy_submit_request",
            run: "click",
        },
        {
            content: "received, and listed with its status",
            trigger: ".o_crm_privacy_submitted ~ table.o_crm_privacy_requests tr[data-state='received']",
        },
    ],
});
