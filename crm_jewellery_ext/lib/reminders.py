"""Staged payment reminders: which stage is due, plain Python.

A stage is reached ``offset`` days after the due date (negative: before).
Each stage is sent at most once, in order: when the reminder job has not run
for a while, only the latest stage reached is sent, never the older ones.
"""

import datetime

STAGES = (
    ("before_due", -3),
    ("due", 0),
    ("overdue_7", 7),
    ("overdue_30", 30),
)
STAGE_RANK = {code: rank for rank, (code, _offset) in enumerate(STAGES)}
# the earliest a stage can start: records due later than this are not selected
LOOKAHEAD_DAYS = -STAGES[0][1]


def current_stage(due_date, today):
    """Latest stage reached on ``today`` for a balance due on ``due_date``."""
    if not due_date:
        return None
    reached = None
    for code, offset in STAGES:
        if today >= due_date + datetime.timedelta(days=offset):
            reached = code
    return reached


def stage_to_send(due_date, today, sent_stages=()):
    """The stage to send now, or None: the current stage when neither it nor a
    later stage was sent already."""
    stage = current_stage(due_date, today)
    if stage is None:
        return None
    sent_rank = max((STAGE_RANK[s] for s in sent_stages if s in STAGE_RANK), default=-1)
    if STAGE_RANK[stage] <= sent_rank:
        return None
    return stage
