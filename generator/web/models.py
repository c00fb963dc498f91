"""What the web application keeps in Django's database: each account's role and scope, sign-in failures (for
throttling), the access log, uploads and their per-file results, and cohort jobs. Children's records stay in the
store; these tables hold ids, never a child's name."""

from __future__ import annotations

from django.conf import settings
from django.db import models

ROLES = {
    "virtual_school": "Virtual school",
    "designated_teacher": "Designated teacher",
    "social_worker": "Social worker",
    "read_only": "Read only",
}


class Account(models.Model):
    """A user's role and scope: the authority always; a designated teacher's school URN."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pep")
    role = models.CharField(max_length=32, choices=list(ROLES.items()))
    authority = models.CharField(max_length=64)
    school_urn = models.CharField(max_length=16, blank=True, default="")

    def __str__(self) -> str:
        return f"{self.user.username} ({self.role}, {self.authority})"


class SignInFailure(models.Model):
    username = models.CharField(max_length=150, db_index=True)
    address = models.CharField(max_length=64, db_index=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)


class AccessEntry(models.Model):
    """One access to a child's documents or record: who, when, what (ids only)."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    username = models.CharField(max_length=150)
    authority = models.CharField(max_length=64, db_index=True)
    child = models.CharField(max_length=64, blank=True, default="", db_index=True)
    action = models.CharField(max_length=32)  # view, download, upload, assign, cohort
    what = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["-at", "-id"]


class Upload(models.Model):
    """One upload of returned forms (one or many files) by a user."""

    at = models.DateTimeField(auto_now_add=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)


class UploadedFile(models.Model):
    """One returned file's result: accepted, invalid (with the reply and re-issued form), rejected, duplicate."""

    upload = models.ForeignKey(Upload, on_delete=models.CASCADE, related_name="files")
    position = models.PositiveIntegerField()
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, blank=True, default="")
    status = models.CharField(max_length=16)
    duplicate = models.BooleanField(default=False)
    child = models.CharField(max_length=64, blank=True, default="")
    form_id = models.CharField(max_length=80, blank=True, default="")
    stored_version = models.IntegerField(null=True)
    unmatched = models.BooleanField(default=False)  # a blank form nobody matched: waits for the virtual school
    problems = models.JSONField(default=list)  # [{"where": words, "message": ...}]
    warnings = models.JSONField(default=list)
    reply = models.CharField(max_length=400, blank=True, default="")  # paths inside the store folder
    reissued = models.CharField(max_length=400, blank=True, default="")

    class Meta:
        ordering = ["position"]


class CohortJob(models.Model):
    """A cohort run in the background (its own process) through the batch code."""

    created = models.DateTimeField(auto_now_add=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    authority = models.CharField(max_length=64)
    variant = models.CharField(max_length=64)
    formats = models.CharField(max_length=32)
    audience = models.CharField(max_length=16)
    source = models.CharField(max_length=16)  # store | sheet
    status = models.CharField(max_length=16, default="queued")  # queued, running, done, failed
    total = models.IntegerField(default=0)
    done = models.IntegerField(default=0)
    written = models.IntegerField(default=0)
    skipped = models.IntegerField(default=0)
    bad_rows = models.IntegerField(default=0)
    message = models.TextField(blank=True, default="")
    zips = models.JSONField(default=list)
    pid = models.IntegerField(null=True)
    finished = models.DateTimeField(null=True)

    class Meta:
        ordering = ["-created"]

    @property
    def percent(self) -> int:
        return 100 if self.status == "done" else int(100 * self.done / self.total) if self.total else 0
