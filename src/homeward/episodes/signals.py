"""What happened to an episode, for the parts that act on it (alerts, safeguarding).

The core never imports those parts (architecture.md: dependencies point one way); they connect
receivers in their AppConfig.ready(). Every signal is sent inside the service's transaction, so a
receiver's writes (alerts queued, flags raised) commit or roll back with the change itself.
Each is sent with `user` (who acted) and `episode`.
"""

from django.dispatch import Signal

episode_opened = Signal()
episode_kind_changed = Signal()
episode_risk_graded = Signal()  # also: previous (grade before, "" if none)
episode_updated = Signal()  # a sighting, enquiry or note; also: update (EpisodeUpdate)
episode_returned = Signal()  # also: interview (the ReturnInterview assigned)
episode_closed = Signal()
return_interview_changed = Signal()  # also: interview, previous_status
# Recorded found by an officer of any force through the missing look-up (episodes.lookup), inside
# its transaction, after the return: also `leading_force` (the force that led the search) and `in_care_of`.
episode_found = Signal()
# Episodes recorded in bulk from another system's record of what happened (a council's SSDA903
# return, a synthetic world's history: episodes.services.batch), new or changed by the write: also
# `episodes` and `children` (ids). The rules read each child's record again, as they do after every
# event above; no one is alerted, since the record says after the fact what the agencies were (or
# were not) told at the time.
episodes_recorded = Signal()
