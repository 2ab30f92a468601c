import { patch } from "@web/core/utils/patch";
import { useService } from "@web/core/utils/hooks";
import { PartnerLine } from "@point_of_sale/app/screens/partner_list/partner_line/partner_line";
import { CrmCustomerPrivacyDialog } from "./customer_privacy_dialog";

patch(PartnerLine.prototype, {
    setup() {
        super.setup(...arguments);
        this.crmDialog = useService("dialog");
    },

    crmOpenPrivacy() {
        this.crmDialog.add(CrmCustomerPrivacyDialog, { partner: this.props.partner });
    },
});
