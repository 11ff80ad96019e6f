"""Forms of the customers part of the Maintenance page. They only collect input: the rules
live in the customers services (the API's)."""

from __future__ import annotations

from django import forms

MODES = [
    ("create", "Create (skip customers already there)"),
    ("merge", "Merge (given attributes and extensions replace theirs)"),
    ("replace", "Replace (as PUT /profiles/{id})"),
]


class CustomersExportForm(forms.Form):
    format = forms.ChoiceField(choices=[("json", "JSON"), ("csv", "CSV")])
    extensions = forms.CharField(
        required=False,
        initial="*",
        max_length=2000,
        help_text="* for every extension, names separated by commas, or empty for none.",
    )


class CustomersImportForm(forms.Form):
    file = forms.FileField()
    mode = forms.ChoiceField(choices=MODES)
    match = forms.ChoiceField(label="Match rows by")
    dry_run = forms.BooleanField(required=False, label="Check every row, write nothing (dry run)")
    max_errors = forms.IntegerField(min_value=1, required=False, label="Stop after bad rows")

    def __init__(self, *args, key_names=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("customer_id", "customer_id")]
        choices += [(name, f"identification key {name}") for name in key_names]
        self.fields["match"].choices = choices


class CustomersImportConfirmForm(forms.Form):
    """The confirmation page carries the kept upload and the choices, unchanged."""

    upload = forms.CharField(max_length=64, widget=forms.HiddenInput())
    name = forms.CharField(max_length=200, required=False, widget=forms.HiddenInput())
    mode = forms.ChoiceField(choices=MODES, widget=forms.HiddenInput())
    match = forms.CharField(max_length=64, widget=forms.HiddenInput())
    max_errors = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput())
