"""The customers part of the Maintenance page: export customers as a job, import a customers
file as a job. An import that writes goes through the one confirmation page first (its upload
is kept meanwhile, remembered in the session); a dry run writes nothing and is queued at once."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from csadmin.pluginlib import ConfirmActionView, Confirmation, DomainError, TenantPageMixin
from plugins.maintenance.customers import services
from plugins.maintenance.customers.forms import (
    CustomersExportForm,
    CustomersImportConfirmForm,
    CustomersImportForm,
)
from plugins.maintenance.uploads import (
    LimitedUploadHandler,
    UploadTooLarge,
    upload_exists,
)
from plugins.profiles import bulk

RUN = "maintenance.run"
SESSION_UPLOADS = "maintenance_customer_uploads"
MODE_WORDS = {
    "create": "customers already there are skipped",
    "merge": "the given attributes and extensions replace those of customers already there",
    "replace": "customers already there are replaced as PUT /profiles/{id} replaces them",
}


def page_context(request) -> dict:
    """What the Maintenance page's customers forms need."""
    keys = [key.name for key in bulk.identification_key_names(request.tenant)]
    return {
        "customers_export_form": CustomersExportForm(prefix="customers-export"),
        "customers_import_form": CustomersImportForm(prefix="customers-import", key_names=keys),
    }


def _back(section: str = "customers"):
    return redirect(f"{reverse('maintenance:page')}#{section}")


class CustomersExportAction(TenantPageMixin, View):
    privilege = RUN

    def post(self, request):
        form = CustomersExportForm(request.POST, prefix="customers-export")
        if not form.is_valid():
            messages.error(request, "Choose JSON or CSV.")
            return _back()
        try:
            run = services.start_customers_export(
                tenant=request.tenant,
                fmt=form.cleaned_data["format"],
                extensions=form.cleaned_data["extensions"],
                actor=request.user,
            )
        except DomainError as error:
            messages.error(request, error.message)
            return _back()
        return redirect("jobs:detail", run.pk)


@method_decorator(csrf_exempt, name="dispatch")
class CustomersImportAction(TenantPageMixin, View):
    """The upload streams to disk under the size limit (CSRF checked once the handlers are
    set, as the services import does); then a dry run is queued, anything else confirmed."""

    privilege = RUN

    def post(self, request):
        request.upload_handlers = [LimitedUploadHandler(request)]
        try:
            return self.checked_post(request)
        except UploadTooLarge as too_large:
            messages.error(request, f"The file is larger than {too_large.limit} bytes.")
            return _back()

    @method_decorator(csrf_protect)
    def checked_post(self, request):
        keys = [key.name for key in bulk.identification_key_names(request.tenant)]
        form = CustomersImportForm(
            request.POST, request.FILES, prefix="customers-import", key_names=keys
        )
        if not form.is_valid():
            problems = "; ".join(f"{n}: {' '.join(e)}" for n, e in form.errors.items())
            messages.error(request, f"The customers import needs: {problems}")
            return _back()
        data, upload = form.cleaned_data, form.cleaned_data["file"]
        options = {
            "mode": data["mode"],
            "match": data["match"],
            "dry_run": data["dry_run"],
            "max_errors": data.get("max_errors"),
        }
        try:
            options = services.parse_import_options(request.tenant, options)
            token = services.keep_customers_upload(request.tenant, upload)
        except DomainError as error:
            messages.error(request, error.message)
            return _back()
        if options["dry_run"]:
            run = services.start_customers_import(
                tenant=request.tenant,
                token=token,
                name=upload.name,
                options=options,
                actor=request.user,
            )
            return redirect("jobs:detail", run.pk)
        request.session[SESSION_UPLOADS] = [*request.session.get(SESSION_UPLOADS, [])[-9:], token]
        query = {
            "upload": token,
            "name": upload.name[:200],
            "mode": options["mode"],
            "match": options["match"],
            "max_errors": options["max_errors"] or "",
        }
        return redirect(f"{reverse('maintenance:customers-import-confirm')}?{urlencode(query)}")


class CustomersImportConfirm(ConfirmActionView):
    """The confirmation of an import that writes: tenant, file, mode and match; its POST
    queues the job. Only an upload this session kept can be named."""

    privilege = RUN
    form_class = CustomersImportConfirmForm

    def get(self, request, **kwargs):
        form = CustomersImportConfirmForm(request.GET)
        if not form.is_valid() or not self.kept_here(form.cleaned_data["upload"]):
            messages.error(request, "Upload the customers file again.")
            return _back()
        return self.page(form, kwargs)

    def kept_here(self, token: str) -> bool:
        if token not in self.request.session.get(SESSION_UPLOADS, []):
            return False
        try:
            return upload_exists(token)
        except ValueError:
            return False

    def confirmation(self, **kwargs):
        data = self.form.cleaned_data if self.form.is_valid() else {}
        mode, match = data.get("mode", "create"), data.get("match", "customer_id")
        tenant = self.request.tenant.name
        return Confirmation(
            heading=f"Are you sure you want to import the customers of "
            f"{data.get('name') or 'this file'} into {tenant}?",
            button="Yes, import the customers",
            cancel_url=f"{reverse('maintenance:page')}#customers",
            note=(
                f"Mode {mode}: {MODE_WORDS.get(mode, '')}. Rows are matched by {match}. "
                "Every row is checked by the rules of the API; bad rows are skipped and "
                "reported. A dry run of the same file writes nothing."
            ),
            title="Import customers",
            blocked="" if self.kept_here(data.get("upload", "")) else "Upload the file again.",
        )

    def perform(self, form, **kwargs):
        data = form.cleaned_data
        options = services.parse_import_options(
            self.request.tenant,
            {"mode": data["mode"], "match": data["match"], "max_errors": data.get("max_errors")},
        )
        run = services.start_customers_import(
            tenant=self.request.tenant,
            token=data["upload"],
            name=data.get("name") or "",
            options=options,
            actor=self.request.user,
        )
        uploads = self.request.session.get(SESSION_UPLOADS, [])
        self.request.session[SESSION_UPLOADS] = [t for t in uploads if t != data["upload"]]
        return "Customers import queued.", reverse("jobs:detail", args=[run.pk])
