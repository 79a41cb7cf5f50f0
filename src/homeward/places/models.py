"""Geography: local authority districts, the council and the police force each belongs to."""

from django.db import models

from homeward.agencies.models import Agency


class District(models.Model):
    """An ONS local authority district (LAD), the unit the postcode directory resolves to.

    Children's services are run by upper-tier councils, so a district maps to the council (the
    host authority of a placement in it) and to the territorial police force that covers it.
    """

    code = models.CharField(max_length=9, unique=True)  # e.g. E08000003
    name = models.CharField(max_length=100)
    authority = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="districts")
    police_force = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="policed_districts")

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"
