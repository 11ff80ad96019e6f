"""The Maintenance page: purge with a preview, the retention policy, export and import.
Long work is queued as a job; the page then shows the job's own page (live progress)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.generic import TemplateView

from csadmin.pluginlib import (
    ConfirmActionView,
    Confirmation,
    DomainError,
    TenantPageMixin,
    format_utc,
    htmx_partial,
)
from plugins.maintenance import selectors, services
from plugins.maintenance.customers.views import page_context as customers_context
from plugins.maintenance.exporting import parse_export_query, stream_json_array, stream_ndjson
from plugins.maintenance.forms import (
    ExportForm,
    ImportForm,
    PolicyForm,
    PurgeConfirmForm,
    PurgeForm,
)
from plugins.maintenance.models import OPERATIONS
from plugins.maintenance.upload_checks import max_upload_bytes
from plugins.maintenance.uploads import LimitedUploadHandler, UploadTooLarge, keep_upload

RUN = "maintenance.run"
VIEW = "maintenance.view"
TEMPLATE = "maintenance/page.html"


def _job_page(run, request=None):
    url = reverse("jobs:detail", args=[run.pk])
    if request is not None and getattr(request, "htmx", False):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


def _utc(value):
    if value is None:
        return None
    return timezone.make_aware(value, dt.UTC) if timezone.is_naive(value) else value


def _iso(value) -> str | None:
    value = _utc(value)
    return value.isoformat() if value else None


class MaintenancePage(TenantPageMixin, TemplateView):
    privilege = VIEW
    template_name = TEMPLATE

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        policy = selectors.retention_policy(self.request.tenant)
        default_limit = (timezone.now() - dt.timedelta(days=90)).replace(second=0, microsecond=0)
        context.update(
            breadcrumbs=[],
            purge_form=PurgeForm(initial=self.purge_initial(default_limit)),
            policy=policy,
            policy_form=PolicyForm(
                prefix="policy",
                initial={
                    "enabled": policy.enabled,
                    "operation": policy.operation,
                    "age_days": policy.age_days,
                },
            ),
            export_form=ExportForm(initial={"time_from": format_utc(default_limit, seconds=False)}),
            import_form=ImportForm(),
            max_upload=max_upload_bytes(),
            can_run=self.can(RUN),
            **customers_context(self.request),
        )
        return context

    def purge_initial(self, default_limit) -> dict:
        """The purge choice a Cancel of its confirmation brings back, else the defaults."""
        initial = {"limit": format_utc(default_limit, seconds=False)}
        back = PurgeForm(self.request.GET)
        if "limit" in self.request.GET and back.is_valid():
            initial = {
                "limit": format_utc(back.cleaned_data["limit"], seconds=False),
                "operation": back.cleaned_data["operation"],
            }
        return initial


class PurgePreview(TenantPageMixin, View):
    """How many services each operation would remove, for the limit in the form (htmx)."""

    privilege = VIEW

    def get(self, request):
        form = PurgeForm(request.GET)
        context = {"preview_error": None, "preview": None}
        if form.is_valid() or "limit" in form.cleaned_data:
            limit = _utc(form.cleaned_data["limit"])
            counts = selectors.purge_preview(request.tenant, limit)
            chosen = form.cleaned_data.get("operation")
            context["preview"] = [
                {"operation": code, "label": label, "count": counts[code], "chosen": code == chosen}
                for code, label in OPERATIONS
            ]
            context["expired"] = counts["expired"]
            context["limit"] = limit
        else:
            context["preview_error"] = "Started before: " + "; ".join(
                form.errors.get("limit", ["is required"])
            )
        return htmx_partial(request, TEMPLATE, "preview", context)


class PurgeAction(ConfirmActionView):
    """The "Purge…" of the page: GET is the confirmation page (tenant, cutoff, operation, exact
    counts); its POST queues the purge job."""

    privilege = RUN
    form_class = PurgeConfirmForm

    def get(self, request, **kwargs):
        form = PurgeConfirmForm(request.GET)
        if not form.is_valid():
            messages.error(request, "The purge needs a valid time and operation.")
            return redirect("maintenance:page")
        return self.page(form, kwargs)

    def confirmation(self, **kwargs):
        form = self.form
        limit = _utc(form.cleaned_data["limit"])
        operation = form.cleaned_data["operation"]
        counts = selectors.purge_counts(self.request.tenant, operation, limit)
        label = dict(OPERATIONS)[operation]
        tenant = self.request.tenant.name
        return Confirmation(
            heading=f"Are you sure you want to purge {counts['services']} services of {tenant}?",
            button=f"Yes, purge {counts['services']} services",
            cancel_url=self.back_url(limit, operation),
            goes=[
                (f"{label} started before the cutoff", counts["class"]),
                ("Expired services (every operation removes them)", counts["expired"]),
                ("States of these services", counts["states"]),
                ("Tasks of these services", counts["tasks"]),
            ],
            note=(
                f"Operation {operation}; cutoff: started before "
                f"{format_utc(limit, seconds=False)}. The services, with their states, tasks and "
                "events, are deleted for good."
            ),
            title="Purge",
        )

    @staticmethod
    def back_url(limit, operation: str) -> str:
        """The maintenance page with this choice still in its form."""
        query = urlencode({"limit": format_utc(limit, seconds=False), "operation": operation})
        return f"{reverse('maintenance:page')}?{query}#purge"

    def page(self, form, kwargs, status=200, errors=None):
        if not form.is_valid():  # a tampered POST: back to the page, which names the rule
            messages.error(self.request, "The purge needs a valid time and operation.")
            return redirect("maintenance:page")
        return super().page(form, kwargs, status, errors)

    def perform(self, form, **kwargs):
        body = {
            "limit": _iso(form.cleaned_data["limit"]),
            "operation": form.cleaned_data["operation"],
            "dry_run": False,
        }
        run = services.start_purge(tenant=self.request.tenant, body=body, actor=self.request.user)
        return "Purge queued.", reverse("jobs:detail", args=[run.pk])


class PolicyAction(TenantPageMixin, View):
    privilege = RUN

    def post(self, request):
        form = PolicyForm(request.POST, prefix="policy")
        if not form.is_valid():
            messages.error(request, "Give an operation and an age of at least one day.")
            return redirect("maintenance:page")
        try:
            services.retention_policy_save(
                tenant=request.tenant, actor=request.user, **form.cleaned_data
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "Retention policy saved.")
        return redirect("maintenance:page")


def _export_query(data):
    form = ExportForm(data)
    if not form.is_valid():
        raise DomainError("Give a valid “From” time.")
    data = form.cleaned_data
    params = {
        "time_from": _iso(data["time_from"]),
        "time_to": _iso(data.get("time_to")),
        "filter_events": data["filter_events"],
        "export_content": "true" if data["export_content"] else "false",
    }
    if data["export_content"] and data.get("filter_state"):
        params["filter_state"] = data["filter_state"]
    return parse_export_query(params), data.get("format") or "json"


class ExportDownload(TenantPageMixin, View):
    """The export stream as a download (the same generator as the API's stream)."""

    privilege = RUN

    def get(self, request):
        try:
            query, fmt = _export_query(request.GET)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("maintenance:page")
        if fmt == "ndjson":
            body, kind, name = (
                stream_ndjson(request.tenant, query),
                "application/x-ndjson",
                "ndjson",
            )
        else:
            body, kind, name = stream_json_array(request.tenant, query), "application/json", "json"
        response = StreamingHttpResponse(body, content_type=kind)
        response["Content-Disposition"] = f'attachment; filename="services-export.{name}"'
        return response


class ExportFilesAction(TenantPageMixin, View):
    privilege = RUN

    def post(self, request):
        try:
            query, fmt = _export_query(request.POST)
            fmt = fmt if fmt in ("csv", "zip") else "json"
            run = services.start_export_files(
                tenant=request.tenant, query=query, fmt=fmt, actor=request.user
            )
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("maintenance:page")
        return _job_page(run, request)


@method_decorator(csrf_exempt, name="dispatch")
class ImportAction(TenantPageMixin, View):
    """The upload streams to disk under the size limit; CSRF is checked once the handlers are
    set (checking it first would read the body before the limit applies)."""

    privilege = RUN

    def post(self, request):
        request.upload_handlers = [LimitedUploadHandler(request)]
        try:
            return self.checked_post(request)
        except UploadTooLarge as too_large:
            messages.error(request, f"The file is larger than {too_large.limit} bytes.")
            return redirect("maintenance:page")

    @method_decorator(csrf_protect)
    def checked_post(self, request):
        form = ImportForm(request.POST, request.FILES)
        if not form.is_valid():
            messages.error(request, "Choose a file to import.")
            return redirect("maintenance:page")
        try:
            token = keep_upload(form.cleaned_data["file"])
            run = services.start_import(
                tenant=request.tenant,
                token=token,
                name=form.cleaned_data["file"].name,
                max_errors=form.cleaned_data.get("max_errors"),
                actor=request.user,
            )
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("maintenance:page")
        return _job_page(run)
