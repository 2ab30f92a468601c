from odoo import api, models

# Formats that read naturally in Hong Kong: Odoo's zh_HK prints the time as
# "07時10分10秒" on a 12-hour clock without a morning/afternoon marker.
LANG_FORMATS = {
    "zh_HK": {
        "date_format": "%Y年%m月%d日",
        "time_format": "%H:%M:%S",
        "short_time_format": "%H:%M",
    },
}


class ResLang(models.Model):
    _inherit = "res.lang"

    @api.model_create_multi
    def create(self, vals_list):
        langs = super().create(vals_list)
        langs.filtered("active")._crm_apply_local_formats()
        return langs

    def write(self, vals):
        res = super().write(vals)
        if vals.get("active"):
            self._crm_apply_local_formats()
        return res

    def _crm_apply_local_formats(self):
        for lang in self:
            formats = LANG_FORMATS.get(lang.code)
            if formats and any(lang[key] != value for key, value in formats.items()):
                lang.write(formats)

    @api.model
    def _crm_setup_local_formats(self):
        """Data hook: apply the formats to the languages already active."""
        self.search([("code", "in", list(LANG_FORMATS))])._crm_apply_local_formats()
