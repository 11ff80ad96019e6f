"""The Jobs pages: the list with filters, a job's page with its live part, cancel, retry,
downloads. Thin: parse, call the selectors and services, render."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from csadmin.jobs.api.views import download
from csadmin.jobs.models import JobRun
from csadmin.jobs.presenters import is_dry_run, job_arguments
from csadmin.jobs.selectors import get_job, get_job_file, job_filter_choices, job_log, jobs_of
from csadmin.jobs.services import cancel_job, may_manage, retry_job
from csadmin.pluginlib.errors import DomainError, NotFoundError, Refused
from csadmin.pluginlib.registry import registry
from csadmin.ui.confirm import ConfirmActionView, Confirmation
from csadmin.ui.lists import ListPageView
from csadmin.ui.views import TenantPageMixin

VIEW = "jobs.runs.view"
POLL_SECONDS = 1
STOP_POLLING = 286  # htmx stops polling on this status (and still swaps the content)


class JobFilterForm(forms.Form):
    kind = forms.CharField(required=False, max_length=200)
    state = forms.ChoiceField(required=False, choices=[("", "any"), *JobRun.State.choices])
    plugin = forms.CharField(required=False, max_length=100)


class JobListPage(ListPageView):
    privilege = VIEW
    template_name = "jobs/list.html"
    filter_form = JobFilterForm
    page_size = 50

    def get_rows(self, filters):
        return jobs_of(self.request.tenant, filters)

    def get_context(self, page, filters):
        return {
            "choices": job_filter_choices(self.request.tenant),
            "states": JobRun.State.values,
            "breadcrumbs": [],
        }


def job_context(request, run: JobRun) -> dict:
    return {
        "run": run,
        "log": job_log(run),
        "files": list(run.files.all()),
        "counts": sorted((run.counts or {}).items()),
        "arguments": job_arguments(run),
        "dry_run": is_dry_run(run),
        "can_manage": may_manage(run, request.user, request.tenant),
        "poll_seconds": POLL_SECONDS,
    }


class JobPage(TenantPageMixin, TemplateView):
    privilege = VIEW
    template_name = "jobs/detail.html"

    def get(self, request, job_id: int, *args, **kwargs):
        run = _job_or_404(request, job_id)
        context = job_context(request, run)
        context["breadcrumbs"] = [(f"Job {run.pk}", None)]
        return TemplateResponse(request, self.template_name, context)


class JobLivePartial(TenantPageMixin, View):
    """What the job page polls: progress, state, counts, log, files. Once the job has ended it
    answers 286 so htmx swaps the final state in and stops polling."""

    privilege = VIEW

    def get(self, request, job_id: int):
        run = _job_or_404(request, job_id)
        status = STOP_POLLING if run.finished else 200
        return TemplateResponse(
            request, "jobs/detail.html#live", job_context(request, run), status=status
        )


class JobCancelAction(ConfirmActionView):
    """Cancel through the one confirmation page: it names the job, its arguments and the
    tenant; its POST asks the job to stop."""

    privilege = VIEW  # the service lets only the owner or a jobs.runs.manage holder through

    def confirmation(self, job_id: int) -> Confirmation:
        run = _job_or_404(self.request, job_id)
        arguments = ", ".join(f"{a.label} {a.value}" for a in job_arguments(run))
        return Confirmation(
            heading=f"Are you sure you want to cancel job {run.pk}?",
            button=f"Yes, cancel job {run.pk}",
            cancel_url=reverse("jobs:detail", args=[run.pk]),
            note=(
                f"{run.kind}{f' ({arguments})' if arguments else ''}: a queued job ends now, a "
                "running one stops at its next batch; what it already did stays done."
            ),
            blocked=f"Job {run.pk} already ended ({run.state})." if run.finished else "",
        )

    def perform(self, form, job_id: int) -> tuple[str, str]:
        run = cancel_job(tenant=self.request.tenant, job_id=job_id, actor=self.request.user)
        message = "cancelled" if run.finished else "will stop at its next batch"
        return f"Job {run.pk} {message}.", reverse("jobs:detail", args=[run.pk])


class JobRetryAction(TenantPageMixin, View):
    privilege = VIEW

    def post(self, request, job_id: int):
        try:
            run = retry_job(tenant=request.tenant, job_id=job_id, actor=request.user)
        except NotFoundError:
            raise  # the 404 page (TenantPageMixin)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("jobs:detail", job_id=job_id)
        if run.pk == job_id:  # a queued job is sent again, not copied
            messages.success(request, f"Job {job_id} sent to the workers again.")
        else:
            messages.success(request, f"Job {job_id} started again as job {run.pk}.")
        return redirect("jobs:detail", job_id=run.pk)


class JobFileDownload(TenantPageMixin, View):
    privilege = VIEW

    def get(self, request, job_id: int, name: str):
        try:
            stored = get_job_file(
                tenant=request.tenant, job_id=job_id, name=name, actor=request.user
            )
        except Refused:  # the job's files need a privilege more (@job(files_privilege=...))
            needed = registry.job_files_privilege(
                get_job(tenant=request.tenant, job_id=job_id).kind
            )
            return render(request, "ui/forbidden.html", {"privilege": needed}, status=403)
        return download(stored)


def _job_or_404(request, job_id: int) -> JobRun:
    """The tenant's job; NotFoundError becomes the 404 page in TenantPageMixin."""
    return get_job(tenant=request.tenant, job_id=job_id)
