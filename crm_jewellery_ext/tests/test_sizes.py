from odoo.tests.common import BaseCase

from odoo.addons.crm_jewellery_ext.lib import clienteling, lookup, reminders, sizes


class TestSizeTables(BaseCase):
    def test_us_table(self):
        self.assertEqual(len(sizes.US_SIZE_CIRCUMFERENCE), 41)
        self.assertEqual(sizes.us_to_circumference(3), 44.2)
        self.assertEqual(sizes.us_to_circumference(7), 54.4)
        self.assertEqual(sizes.us_to_circumference(13), 69.7)
        self.assertEqual(sizes.us_to_circumference(6.25), 52.5)
        # close to the usual approximation 36.5 + 2.55 * s
        for size, mm in sizes.US_SIZE_CIRCUMFERENCE.items():
            self.assertAlmostEqual(mm, 36.5 + 2.55 * size, delta=0.3)
        with self.assertRaises(sizes.SizeError):
            sizes.us_to_circumference(6.1)
        with self.assertRaises(sizes.SizeError):
            sizes.us_to_circumference(14)

    def test_hk_table(self):
        self.assertEqual(len(sizes.HK_SIZE_CIRCUMFERENCE), 30)
        self.assertEqual(sizes.hk_to_circumference(1), 40.8)
        self.assertEqual(sizes.hk_to_circumference(10), 50.3)
        self.assertEqual(sizes.hk_to_circumference(30), 71.2)
        values = list(sizes.HK_SIZE_CIRCUMFERENCE.values())
        self.assertEqual(values, sorted(values))
        with self.assertRaises(sizes.SizeError):
            sizes.hk_to_circumference(31)

    def test_round_trips(self):
        for size in sizes.US_SIZE_CIRCUMFERENCE:
            self.assertEqual(sizes.circumference_to_us(sizes.us_to_circumference(size)), size)
        for size in sizes.HK_SIZE_CIRCUMFERENCE:
            self.assertEqual(sizes.circumference_to_hk(sizes.hk_to_circumference(size)), size)
        # HK 10 (50.3 mm) is about US 5.5 and EU 50.5
        self.assertEqual(sizes.circumference_to_us(50.3), 5.5)
        self.assertEqual(sizes.circumference_to_eu(50.3), 50.5)
        self.assertIsNone(sizes.circumference_to_hk(20.0))
        self.assertIsNone(sizes.circumference_to_us(75.0))

    def test_birthstone(self):
        self.assertEqual(sizes.birthstone(4), "diamond")
        self.assertEqual(sizes.birthstone(12), "turquoise")
        self.assertIsNone(sizes.birthstone(0))

    def test_reminder_stages(self):
        import datetime

        due = datetime.date(2025, 3, 10)
        d = datetime.timedelta
        self.assertIsNone(reminders.current_stage(due, due - d(4)))
        self.assertEqual(reminders.current_stage(due, due - d(3)), "before_due")
        self.assertEqual(reminders.current_stage(due, due), "due")
        self.assertEqual(reminders.current_stage(due, due + d(7)), "overdue_7")
        self.assertEqual(reminders.current_stage(due, due + d(45)), "overdue_30")
        self.assertIsNone(reminders.stage_to_send(due, due, ["due"]))
        self.assertIsNone(reminders.stage_to_send(due, due + d(1), ["due"]))
        self.assertEqual(reminders.stage_to_send(due, due + d(8), ["due"]), "overdue_7")
        # a late run sends only the latest stage
        self.assertEqual(reminders.stage_to_send(due, due + d(31), []), "overdue_30")

    def test_lookup_queries(self):
        self.assertEqual(lookup.classify("+852 9123 4567"), ("phone", "91234567"))
        self.assertEqual(lookup.classify("852-9123-4567"), ("phone", "91234567"))
        # a foreign number keeps its country code: it cannot match the Hong
        # Kong number with the same last eight digits
        self.assertEqual(lookup.classify("+86 139 9123 4567"), ("phone", "8613991234567"))
        self.assertEqual(lookup.classify("jco/2025/00001"), ("reference", "JCO/2025/00001"))
        for vague in ("", "91", "JCO"):
            with self.assertRaises(lookup.LookupError_):
                lookup.classify(vague)
        self.assertEqual(lookup.mask_phone("91234567"), "****4567")

    def test_occasions(self):
        import datetime

        today = datetime.date(2025, 2, 20)
        self.assertEqual(clienteling.next_occurrence(2, 29, today), datetime.date(2025, 2, 28))
        self.assertEqual(clienteling.next_occurrence(1, 5, today), datetime.date(2026, 1, 5))
        self.assertEqual(clienteling.is_due(2, 25, today, 7), (True, datetime.date(2025, 2, 25)))
        self.assertFalse(clienteling.is_due(3, 25, today, 7)[0])
