import { _t } from "@web/core/l10n/translation";
import { Dialog } from "@web/core/dialog/dialog";
import { RPCError } from "@web/core/network/rpc";
import { usePos } from "@point_of_sale/app/store/pos_hook";
import { Component, markup, onWillStart, useState } from "@odoo/owl";

/**
 * The customer at the counter: enrol a new customer (name, phone, e-mail),
 * or, for a known customer (props.partner), the privacy panel only. Both
 * show the collection notice to acknowledge and the direct-marketing
 * consents per purpose and channel. Validation, normalisation, duplicate
 * matching and the records are the server's (res.partner crm_pos_*).
 */
export class CrmCustomerPrivacyDialog extends Component {
    static template = "crm_retail_compile.CrmCustomerPrivacyDialog";
    static components = { Dialog };
    static props = {
        partner: { type: Object, optional: true },
        onSaved: { type: Function, optional: true },
        close: Function,
    };

    setup() {
        this.pos = usePos();
        this.state = useState({
            name: "",
            phone: "",
            email: "",
            acknowledged: false,
            consents: {},
            error: "",
            saving: false,
        });
        onWillStart(async () => {
            this.form = await this.pos.data.call("res.partner", "crm_pos_privacy_form", [
                this.pos.config.id,
                this.props.partner?.id || false,
            ]);
            this.noticeText = markup(this.form.pics?.text || "");
            this.state.acknowledged = this.form.acknowledged;
            this.state.consents = { ...this.form.consents };
        });
    }

    get isEnrol() {
        return !this.props.partner;
    }

    get title() {
        return this.isEnrol
            ? _t("Enrol a Member")
            : _t("Privacy and Consent: %s", this.props.partner.name);
    }

    consentKey(purpose, channel) {
        return `${purpose.id}:${channel[0]}`;
    }

    toggleConsent(purpose, channel) {
        const key = this.consentKey(purpose, channel);
        this.state.consents[key] = !this.state.consents[key];
    }

    /** Every box the cashier may have changed, ticked or not. */
    consentAnswers() {
        const answers = {};
        for (const purpose of this.form.purposes) {
            for (const channel of this.form.channels) {
                const key = this.consentKey(purpose, channel);
                answers[key] = Boolean(this.state.consents[key]);
            }
        }
        return answers;
    }

    privacyAnswers() {
        const answers = {
            pics_acknowledged: this.state.acknowledged,
            consents: this.consentAnswers(),
        };
        const cashier = this.pos.get_cashier?.();
        if (cashier?.name) {
            answers.employee_name = cashier.name;
        }
        return answers;
    }

    async save() {
        this.state.error = "";
        if (this.isEnrol && !this.state.name.trim()) {
            this.state.error = _t("Give the customer's name.");
            return;
        }
        if (this.isEnrol && !this.state.phone.trim() && !this.state.email.trim()) {
            this.state.error = _t("Give the customer's phone number or e-mail.");
            return;
        }
        this.state.saving = true;
        try {
            let partnerId;
            let message;
            if (this.isEnrol) {
                const customer = { name: this.state.name.trim() };
                if (this.state.phone.trim()) {
                    customer.phone = this.state.phone.trim();
                }
                if (this.state.email.trim()) {
                    customer.email = this.state.email.trim();
                }
                const result = await this.pos.data.call("res.partner", "crm_pos_enrol", [
                    this.pos.config.id,
                    customer,
                    this.privacyAnswers(),
                ]);
                partnerId = result.id;
                message = result.created
                    ? _t("New member %s enrolled.", result.membership_number)
                    : _t(
                          "This customer is already a member (%s): their existing record is used.",
                          result.membership_number
                      );
            } else {
                const result = await this.pos.data.call("res.partner", "crm_pos_record_privacy", [
                    this.pos.config.id,
                    this.props.partner.id,
                    this.privacyAnswers(),
                ]);
                partnerId = result.id;
                message = _t("Privacy choices recorded.");
            }
            const [partner] = await this.pos.data.read("res.partner", [partnerId]);
            this.pos.notification.add(message, { type: "success" });
            this.props.onSaved?.(partner);
            this.props.close();
        } catch (error) {
            if (error instanceof RPCError) {
                this.state.error = error.data.message;
            } else {
                throw error;
            }
        } finally {
            this.state.saving = false;
        }
    }
}
