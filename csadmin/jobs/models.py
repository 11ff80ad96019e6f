"""Job runs, their log lines and their output files. Progress and results live here, not in
Celery's result backend, so a page or the API can show them from the database alone."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from csadmin.jobs.files import job_file_exists, open_job_file


class JobRun(models.Model):
    """One run of a job. A retry is a new run (with `retry_of`), never a reset of this one."""

    class State(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        CANCELLED = "cancelled"

    FINISHED = (State.SUCCEEDED, State.FAILED, State.CANCELLED)

    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.CASCADE, related_name="job_runs")
    kind = models.CharField(max_length=200)  # the Celery task name the @job decorator gave it
    # The plug-in by label, not by key: removing a plug-in leaves its history readable.
    plugin = models.CharField(max_length=100, blank=True)
    created_by = models.CharField(max_length=150, blank=True)
    created_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    arguments = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    done = models.BigIntegerField(default=0)
    total = models.BigIntegerField(null=True, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)  # deliveries that started the body
    # Messages sent since the run was last queued (the enqueue's is the first), and when the
    # last one went: the reaper sends a queued run again when its message was lost.
    sends = models.PositiveSmallIntegerField(default=1)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    cancel_requested = models.BooleanField(default=False)
    retry_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="retries"
    )

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "id"], name="jobrun_tenant_id"),
            # the reaper's scan: running jobs by heartbeat
            models.Index(fields=["state", "heartbeat_at"], name="jobrun_state_heartbeat"),
        ]

    def __str__(self) -> str:
        return f"job {self.pk} {self.kind} ({self.state})"

    @property
    def finished(self) -> bool:
        return self.state in self.FINISHED

    @property
    def percent(self) -> int | None:
        if not self.total:
            return 100 if self.state == self.State.SUCCEEDED else None
        return max(0, min(100, int(self.done * 100 / self.total)))


class JobLog(models.Model):
    class Level(models.TextChoices):
        DEBUG = "debug"
        INFO = "info"
        WARNING = "warning"
        ERROR = "error"

    job = models.ForeignKey(JobRun, on_delete=models.CASCADE, related_name="log_lines")
    level = models.CharField(max_length=8, choices=Level.choices, default=Level.INFO)
    at = models.DateTimeField(default=timezone.now)
    message = models.TextField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.level}: {self.message[:60]}"


class JobFile(models.Model):
    """An output file, kept in the "jobs" storage as jobs/<job id>/<name>. The name is checked
    against a strict pattern (csadmin.jobs.files) and never comes from a path a user typed."""

    job = models.ForeignKey(JobRun, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(max_length=100)
    size = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["job", "name"], name="jobfile_unique_name")]

    def __str__(self) -> str:
        return self.name

    def open(self):
        """The stored file, opened for reading (binary, seekable): close it after use."""
        return open_job_file(self.job_id, self.name)

    def exists(self) -> bool:
        return job_file_exists(self.job_id, self.name)


class StoredFile(models.Model):
    """A file of csadmin.jobs.storage.DatabaseStorage: its name in the storage and its size;
    the bytes are its chunks."""

    name = models.CharField(max_length=500, unique=True)
    size = models.BigIntegerField(default=0)
    modified_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class StoredChunk(models.Model):
    file = models.ForeignKey(StoredFile, on_delete=models.CASCADE, related_name="chunks")
    number = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["file", "number"], name="storedchunk_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.file_id}#{self.number}"
