import { patch } from "@web/core/utils/patch";
import { RPCError } from "@web/core/network/rpc";
import { PartnerList } from "@point_of_sale/app/screens/partner_list/partner_list";
import { CrmCustomerPrivacyDialog } from "./customer_privacy_dialog";

/**
 * The cashier's search also asks the server for the customers whose
 * membership number, phone (any format) or e-mail is the search text: the
 * suite's identity rule (res.partner.crm_pos_find_customers), whatever the
 * till has loaded. The customers found come first in the list.
 */
patch(PartnerList.prototype, {
    setup() {
        super.setup(...arguments);
        this.crmFound = { query: null, ids: [] };
    },

    async getNewPartners() {
        const query = (this.state.query || "").trim();
        const [found, others] = await Promise.all([
            query && this.state.currentOffset === 0
                ? this.crmFindCustomers(query)
                : Promise.resolve([]),
            super.getNewPartners(...arguments),
        ]);
        const ids = new Set(found.map((partner) => partner.id));
        return [...found, ...others.filter((partner) => !ids.has(partner.id))];
    },

    async crmFindCustomers(query) {
        let ids;
        try {
            ids = await this.pos.data.call("res.partner", "crm_pos_find_customers", [
                this.pos.config.id,
                query,
            ]);
        } catch (error) {
            // a POS user without a Retail CRM role keeps Odoo's own search
            if (error instanceof RPCError) {
                return [];
            }
            throw error;
        }
        this.crmFound = { query, ids };
        return ids.length ? await this.pos.data.read("res.partner", ids) : [];
    },

    getPartners() {
        const partners = super.getPartners(...arguments);
        const query = (this.state.query || "").trim();
        if (!query || this.crmFound.query !== query || !this.crmFound.ids.length) {
            return partners;
        }
        const model = this.pos.models["res.partner"];
        const found = this.crmFound.ids.map((id) => model.get(id)).filter(Boolean);
        const ids = new Set(found.map((partner) => partner.id));
        return [...found, ...partners.filter((partner) => !ids.has(partner.id))];
    },

    crmEnrol() {
        this.dialog.add(CrmCustomerPrivacyDialog, {
            onSaved: (partner) => partner && this.clickPartner(partner),
        });
    },
});
