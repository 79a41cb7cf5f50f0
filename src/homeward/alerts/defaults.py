"""Each council's notification thresholds, as shipped. A council changes its own in
NotificationSettings; these are the values it starts with (domain.md: "Where a rule is set locally
rather than nationally, the system makes it configurable per local authority and ships the default").
"""

# domain.md, "Repeat missing / strategy meetings": set locally; examples seen are 3 or more episodes in
# 30 days (Derbyshire) and 3 in 90 days plus exploitation risk (Essex). Both ship as defaults.
REPEAT_MISSING = [{"episodes": 3, "days": 30}, {"episodes": 3, "days": 90}]

# domain.md: "missing over 24 hours" is a common local trigger; 72 hours is when forces notify the NCA
# UK Missing Persons Unit (ACPO 2013 / APP 2017). A child still missing at each escalates up the chain.
ESCALATE_AFTER_HOURS = [24, 72]

# domain.md: "Escalation to senior managers ... is set locally (e.g. immediately for a high risk child)".
# Homeward's defaults for an urgent alert nobody has acknowledged: remind the recipient every 15
# minutes, and after an hour tell their team manager (then the nominated officer).
URGENT_RENOTIFY_MINUTES = 15
URGENT_ESCALATE_MINUTES = 60


def repeat_missing() -> list[dict]:
    return [dict(rule) for rule in REPEAT_MISSING]


def escalate_after_hours() -> list[int]:
    return list(ESCALATE_AFTER_HOURS)
