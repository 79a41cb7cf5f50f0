"""What arrived from an agency's systems, for the parts that act on it (record linkage).

Returns never imports linkage: linkage connects its receiver in LinkageConfig.ready(). Sent inside
the import's last transaction, so what the receiver queues commits with the records.
"""

from django.dispatch import Signal

records_arrived = Signal()  # also: kind ("903" or "police"), agency, created, updated
