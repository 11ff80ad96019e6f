"""Shapes of the jobs API: query parameters parsed here, bodies documented for the OpenAPI."""

from rest_framework import serializers

from csadmin.jobs.models import JobRun
from csadmin.jobs.presenters import OUTCOMES


class JobFilterSerializer(serializers.Serializer):
    kind = serializers.CharField(required=False, max_length=200)
    state = serializers.ChoiceField(choices=JobRun.State.values, required=False)
    plugin = serializers.CharField(required=False, max_length=100)


class JobProgressSerializer(serializers.Serializer):
    done = serializers.IntegerField()
    total = serializers.IntegerField(allow_null=True)


class JobSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    plugin = serializers.CharField()
    state = serializers.ChoiceField(choices=JobRun.State.values)
    outcome = serializers.ChoiceField(
        choices=OUTCOMES,
        help_text="What the job page's badge says: its state, or `succeeded with errors` when "
        "it skipped bad rows (counted in `counts.errors`).",
    )
    progress = JobProgressSerializer()
    counts = serializers.DictField(child=serializers.IntegerField())
    errors = serializers.ListField(child=serializers.CharField())
    arguments = serializers.DictField()
    attempts = serializers.IntegerField()
    cancel_requested = serializers.BooleanField()
    retry_of = serializers.IntegerField(allow_null=True)
    created_by = serializers.CharField()
    created = serializers.DateTimeField()
    started = serializers.DateTimeField(allow_null=True)
    finished = serializers.DateTimeField(allow_null=True)
    files = serializers.ListField(child=serializers.CharField())
    status_url = serializers.URLField()


class JobAcceptedSerializer(serializers.Serializer):
    job_id = serializers.IntegerField()
    # The run's state (an enum on the job itself; text here to keep one enum in the schema).
    status = serializers.CharField(help_text="queued, running, succeeded, failed or cancelled")
    status_url = serializers.URLField()
