"""The report datasets are those of the database's registry (the installed
add-ons), not a process-wide registry filled at import."""

from odoo.tests import tagged

from ..lib import report_engine
from .common import RetailCommon


@tagged("post_install", "-at_install")
class TestReportDatasets(RetailCommon):
    def test_datasets_are_those_of_the_installed_addons(self):
        Template = self.env["crm.report.template"]
        datasets = Template._get_datasets()
        # each installed add-on contributes its datasets with its selection
        # values: the two always agree
        selection = Template._fields["dataset"].get_values(self.env)
        self.assertEqual(set(datasets), set(selection))
        self.assertLessEqual(set(report_engine.BASE_DATASETS), set(datasets))
        jewellery = self.env["ir.module.module"].search(
            [("name", "=", "crm_jewellery_ext"), ("state", "=", "installed")]
        )
        self.assertEqual("reviews" in datasets, bool(jewellery))
        # a fresh dict each call: callers cannot change the database's datasets
        datasets.pop("sales_events")
        self.assertIn("sales_events", Template._get_datasets())

    def test_template_checks_against_the_database_datasets(self):
        template = self.env.ref("crm_retail_compile.crm_report_template_management_kpi")
        self.assertIs(
            template._get_dataset(),
            self.env["crm.report.template"]._get_datasets()[template.dataset],
        )
        self.assertIn("Measures:", template.available_fields)
