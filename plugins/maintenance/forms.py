"""Forms of the maintenance page. They only collect input: the rules live in the services."""

from __future__ import annotations

from django import forms

from csadmin.pluginlib import UtcDateTimeField, UtcInput
from plugins.maintenance.models import OPERATIONS


class PurgeForm(forms.Form):
    limit = UtcDateTimeField(
        label="Started before",
        help_text="Services started before this time are purged. UTC: YYYY-MM-DD or "
        "YYYY-MM-DDTHH:MM[:SS]Z.",
    )
    operation = forms.ChoiceField(choices=OPERATIONS, initial="purge.service.completed")


class PurgeConfirmForm(PurgeForm):
    """The confirmation page carries the choice of the maintenance page, unchanged."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget = (
                UtcInput() if isinstance(field, UtcDateTimeField) else forms.HiddenInput()
            )
            field.widget.input_type = "hidden"  # a time keeps its ISO UTC text


class PolicyForm(forms.Form):
    enabled = forms.BooleanField(required=False, label="Run nightly")
    operation = forms.ChoiceField(choices=OPERATIONS)
    age_days = forms.IntegerField(min_value=1, max_value=36500, label="Older than (days)")


class ExportForm(forms.Form):
    time_from = UtcDateTimeField()
    time_to = UtcDateTimeField(required=False, end_of_day=True)
    filter_events = forms.ChoiceField(
        choices=[("any", "any"), ("started", "started"), ("completed", "completed")]
    )
    export_content = forms.BooleanField(required=False, label="Full content")
    filter_state = forms.ChoiceField(
        choices=[("any", "any"), ("active", "active"), ("inactive", "inactive")], required=False
    )
    format = forms.ChoiceField(
        choices=[
            ("json", "JSON"),
            ("ndjson", "NDJSON"),
            ("csv", "CSV files (job)"),
            ("zip", "One zip of the files (job)"),
        ],
        required=False,
    )


class ImportForm(forms.Form):
    file = forms.FileField()
    max_errors = forms.IntegerField(min_value=1, required=False, label="Stop after bad rows")
