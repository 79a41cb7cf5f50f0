"""An agency's own entries in the language guide (issue 16). The built-in families are data in
guide.py; a council adds its own here. Rows are never changed: an edit is a new version under the
same key, and retiring an entry is a version that is not active, so every wording ever in force
can be read back."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from homeward.agencies.models import Agency


class GuideEntry(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    key = models.SlugField(max_length=40)
    version = models.PositiveIntegerField()
    label = models.CharField(max_length=200)
    patterns = models.TextField()  # one pattern a line, in guide.py's pattern language
    why = models.TextField()
    instead = models.TextField()  # one alternative a line
    active = models.BooleanField(default=True)
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["agency", "key", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "key", "version"], name="guide_entry_one_row_per_version"),
            models.CheckConstraint(condition=Q(version__gte=1), name="guide_entry_version_from_one"),
        ]

    def __str__(self) -> str:
        return f"{self.agency.code} {self.key} v{self.version}"

    def pattern_lines(self) -> list[str]:
        return [line.strip() for line in self.patterns.splitlines() if line.strip()]

    def instead_lines(self) -> list[str]:
        return [line.strip() for line in self.instead.splitlines() if line.strip()]


class PhraseTally(models.Model):
    """How often the guide's phrases were shown to an agency's people as they wrote about one
    council's children, and what they did: reworded the text so the phrase went, or kept it. One
    row per month, writers' agency, writers' team and family (issue 16, "patterns, not blame").
    Counts only: no person, no child, no text, so no table of named staff can be drawn from it."""

    month = models.DateField()  # the first day of the month, Europe/London
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")  # the writers'
    team = models.CharField(max_length=80, blank=True)  # the writers' (User.team), "" for none
    authority = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")  # the child's council
    family = models.CharField(max_length=80)  # a guide family id (a council's own: "<code>:<key>")
    shown = models.PositiveIntegerField(default=0)  # pieces of text saved after the family was shown
    reworded = models.PositiveIntegerField(default=0)  # ... without the family's phrases any more
    kept = models.PositiveIntegerField(default=0)  # ... with them still there ("Keep my wording")

    class Meta:
        ordering = ["-month", "agency", "team", "family"]
        constraints = [
            models.UniqueConstraint(
                fields=["month", "agency", "team", "authority", "family"], name="phrase_tally_one_row"
            ),
        ]


class SpentCheck(models.Model):
    """A language check already counted (its token's random nonce), so a form sent twice, or a page
    refreshed, counts once. Holds nothing about the text or the writer; kept only while the token
    could still be sent (language.services.SHOWN_MAX_AGE)."""

    nonce = models.CharField(max_length=32, unique=True)
    spent_at = models.DateTimeField(db_index=True)
