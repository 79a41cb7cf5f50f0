"""Writes of safeguarding records: one path for each, in one transaction, audited with the child.
One module per subject (flags, screenings, register, meetings); callers import them from here.

Two kinds of caller:
- the rules (`risk_flags_evaluate`), run by receivers.py inside the transaction of an episode write
  that a permitted user has just made, and by the screening and register services here. They act
  for the system: events and audit entries say "rule" (no user), and name who triggered them.
- people, through views and commands: every such service takes `user` and `why`, finds the child
  through the scoping function (Http404 out of scope), checks the role (PermissionDenied) and
  validates (ValidationError naming the field).
"""

from homeward.safeguarding.services.flags import (
    FLAGS_DUE_TASK,
    risk_flag_clear,
    risk_flag_clocks_set,
    risk_flag_clocks_stop,
    risk_flag_lower,
    risk_flag_raise,
    risk_flags_due,
    risk_flags_evaluate,
)
from homeward.safeguarding.services.screenings import (
    REASSESSMENT_DUE_TASK,
    screening_reassessment_due,
    screening_record,
)
from homeward.safeguarding.services.register import (
    location_assessment_record,
    location_risk_add,
    location_risk_withdraw,
)
from homeward.safeguarding.services.meetings import (
    meeting_action_add,
    meeting_action_complete,
    strategy_meeting_cancel,
    strategy_meeting_propose,
    strategy_meeting_record,
    strategy_meeting_schedule,
)

__all__ = [
    "FLAGS_DUE_TASK",
    "REASSESSMENT_DUE_TASK",
    "location_assessment_record",
    "location_risk_add",
    "location_risk_withdraw",
    "meeting_action_add",
    "meeting_action_complete",
    "risk_flag_clear",
    "risk_flag_clocks_set",
    "risk_flag_clocks_stop",
    "risk_flag_lower",
    "risk_flag_raise",
    "risk_flags_due",
    "risk_flags_evaluate",
    "screening_reassessment_due",
    "screening_record",
    "strategy_meeting_cancel",
    "strategy_meeting_propose",
    "strategy_meeting_record",
    "strategy_meeting_schedule",
]
