import { patch } from "@web/core/utils/patch";
import { ResPartner } from "@point_of_sale/app/models/res_partner";

/** The membership number is searched like the barcode: exactly. */
patch(ResPartner.prototype, {
    get searchString() {
        return [super.searchString, this.membership_number || ""].filter(Boolean).join(" ");
    },

    exactMatch(searchWord) {
        return (
            super.exactMatch(...arguments) ||
            Boolean(this.membership_number && this.membership_number.toLowerCase() === searchWord)
        );
    },
});
