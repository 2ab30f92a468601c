"""Abnormal invoice and order rules: codes, defaults and the tests each rule
applies, in plain Python. The scan runs the same tests in SQL (set-based);
these functions are the reference the tests check and the on-screen
explanations use."""

# Dealers in precious metals and stones: cash transactions of HK$120,000 or
# more need customer due diligence (AMLO Cap. 615, from 1 April 2023).
AML_CASH_THRESHOLD = 120000.0

RULES = {
    "discount": {"threshold_percent": 20.0},
    "below_cost": {},
    "invoice_vs_order": {"threshold_amount": 1.0},
    "double_invoice": {},
    "refund": {"threshold_amount": 10000.0},
    "overdue": {"threshold_days": 60},
    "cash_cdd": {"threshold_amount": AML_CASH_THRESHOLD},
}


def discount_is_abnormal(discount_percent, threshold_percent):
    return (discount_percent or 0.0) > threshold_percent


def price_below_cost(net_unit_price, unit_cost):
    return bool(unit_cost) and net_unit_price < unit_cost


def amounts_differ(invoice_amount, order_amount, tolerance):
    return abs((invoice_amount or 0.0) - (order_amount or 0.0)) > tolerance


def refund_is_abnormal(refund_amount, threshold_amount):
    return abs(refund_amount or 0.0) >= threshold_amount


def overdue_is_abnormal(due_date, today, threshold_days):
    return bool(due_date) and (today - due_date).days > threshold_days


def cash_needs_cdd(amount, threshold_amount=AML_CASH_THRESHOLD):
    return (amount or 0.0) >= threshold_amount
