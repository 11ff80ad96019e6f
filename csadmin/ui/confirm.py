"""The one confirmation page of every destructive action (delete, end, purge, revoke, rotate).

A destructive control is a link to its confirmation page; the page names the tenant and what
will go, with counts, and asks "Are you sure…"; its POST does the action. A subclass says what
the page shows (`confirmation`), optionally which inputs the action takes (`form_class`), and
does the action (`perform`), calling the same service function as the API.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import transaction
from django.shortcuts import redirect, render
from django.views import View

from csadmin.pluginlib.errors import DomainError, ValidationFailed
from csadmin.ui.views import TenantPageMixin


@dataclass
class Confirmation:
    """What the confirmation page says: the question, what goes (label, count), the red
    button's words, and where Cancel leads."""

    heading: str
    button: str
    cancel_url: str
    goes: list[tuple[str, int]] = field(default_factory=list)
    note: str = ""
    title: str = ""
    scope: str = ""  # said instead of the current tenant, for what belongs to no one tenant
    blocked: str = ""  # why the action cannot be done now: shown, and the button is disabled


class ConfirmPage:
    """GET shows the confirmation page; POST validates the inputs and performs the action.

    Subclasses declare `privilege` and implement `confirmation(**kwargs)` and
    `perform(form, **kwargs) -> (message, url)`; `form_class` (a Django form) is optional.
    A refusal re-renders the page with an error summary that names the field and the rule.
    """

    template_name = "ui/confirm.html"
    form_class = None

    def confirmation(self, **kwargs) -> Confirmation:
        raise NotImplementedError

    def perform(self, form, **kwargs) -> tuple[str, str]:
        raise NotImplementedError

    def get_form(self, data=None):
        if self.form_class is None:
            return None
        return self.form_class(data, **self.get_form_kwargs())

    def get_form_kwargs(self) -> dict:
        return {}

    def get(self, request, **kwargs):
        return self.page(self.get_form(), kwargs)

    def post(self, request, **kwargs):
        form = self.get_form(request.POST)
        if form is not None and not form.is_valid():
            return self.page(form, kwargs, status=400)
        self.form = form
        blocked = self.confirmation(**kwargs).blocked
        if blocked:  # the service function refuses too; say why without trying
            return self.page(form, kwargs, status=400, errors=[blocked])
        try:
            with transaction.atomic():  # a refusal must leave nothing half-written
                message, url = self.perform(form, **kwargs)
        except ValidationFailed as refused:
            errors = [f"{name}: {'; '.join(rules)}" for name, rules in refused.errors.items()]
            return self.page(form, kwargs, status=400, errors=errors or [refused.message])
        except DomainError as error:
            return self.page(form, kwargs, status=400, errors=[error.message])
        messages.success(request, message)
        return redirect(url)

    def page(self, form, kwargs, status: int = 200, errors: list[str] | None = None):
        self.form = form  # the inputs shown, for a confirmation that depends on them
        confirmation = self.confirmation(**kwargs)
        errors = list(errors or [])
        if form is not None and form.is_bound:
            for name, problems in form.errors.items():
                label = form.fields[name].label if name in form.fields else ""
                errors.extend(f"{label or name}: {problem}" for problem in problems)
        context = {
            "confirmation": confirmation,
            "form": form,
            "errors": errors,
            "title": confirmation.title or confirmation.heading,
            "breadcrumbs": [(confirmation.title or confirmation.heading, None)],
        }
        return render(self.request, self.template_name, context, status=status)


class ConfirmActionView(TenantPageMixin, ConfirmPage, View):
    """The confirmation page of an action on the current tenant's data (privilege checked)."""


class OwnConfirmActionView(LoginRequiredMixin, ConfirmPage, View):
    """The confirmation page of an action on the signed-in user's own things (API tokens), which
    belong to no one tenant: the Confirmation's `scope` says what it reaches instead."""
