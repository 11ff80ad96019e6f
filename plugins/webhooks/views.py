"""Pages of event subscriptions: the list with the new-subscription form, one subscription with
its settings, actions and delivery log. Views parse the form into the API's body and call the
same services as the API; every rule lives in rules.py and services.py."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views import View

from csadmin.pluginlib import (
    ConfirmActionView,
    Confirmation,
    DomainError,
    NotFoundError,
    TenantPageMixin,
    event_feed,
    htmx_partial,
    keyset_page,
)
from plugins.webhooks import forms, selectors, services

READ = "webhooks.read"
MANAGE = "webhooks.manage"
LOG_PAGE = 25
# A secret waits here between the write and the page that shows it, which pops it: shown once.
SECRET_KEY = "webhooks.secret.{}"


def _detail_url(subscription_id) -> str:
    return reverse("webhooks:detail", args=[subscription_id])


def _keep_secret(request, subscription_id, secret: str) -> None:
    request.session[SECRET_KEY.format(subscription_id)] = secret


def _pop_secret(request, subscription_id) -> str | None:
    return request.session.pop(SECRET_KEY.format(subscription_id), None)


def _known_types(tenant) -> list[str]:
    """Service types offered in the form, from the plug-in that records the events (its feed),
    not an import of it."""
    return event_feed().service_types(tenant)


# -- the list ----------------------------------------------------------------------------------


class SubscriptionListPage(TenantPageMixin, View):
    privileges = {"GET": READ, "POST": MANAGE}

    def get(self, request, form=None, status=200):
        can_manage = self.can(MANAGE)
        if form is None and can_manage:
            form = forms.form_for(
                None,
                _known_types(request.tenant),
                failure_limit=settings.CSADMIN_WEBHOOK_FAILURE_LIMIT,
            )
        context = {
            "subscriptions": list(selectors.subscriptions_with_last_delivery(request.tenant)),
            "form": form,
            "can_manage": can_manage,
            "breadcrumbs": [],
        }
        return render(request, "webhooks/list.html", context, status=status)

    def post(self, request):
        try:
            body = forms.body_from_post(request.POST, creating=True)
            subscription, secret = services.subscription_create(
                tenant=request.tenant, body=body, actor=request.user
            )
        except DomainError as error:
            form = forms.form_from_post(request.POST, _known_types(request.tenant), error.errors)
            messages.error(request, "The subscription was not created: see the fields below.")
            return self.get(request, form=form, status=error.status_code)
        _keep_secret(request, subscription.pk, secret)
        messages.success(request, f"Subscription {subscription.name} created.")
        return HttpResponseRedirect(_detail_url(subscription.pk))


# -- one subscription --------------------------------------------------------------------------


class SubscriptionPage(TenantPageMixin, View):
    """Settings (an edit form for managers), actions and the delivery log. An htmx request
    (the log polling itself) gets the log alone."""

    privileges = {"GET": READ, "POST": MANAGE}

    def get(self, request, subscription_id, form=None, status=200):
        subscription = selectors.get_subscription(request.tenant, subscription_id)
        log = self.log_context(request, subscription)
        if getattr(request, "htmx", False) and not request.htmx.boosted:
            return htmx_partial(request, "webhooks/detail.html", "log", log)
        if form is None and log["can_manage"]:
            form = forms.form_for(subscription, _known_types(request.tenant))
        context = {
            **log,
            "form": form,
            "secret": _pop_secret(request, subscription.pk),
            "breadcrumbs": [(subscription.name, None)],
        }
        return htmx_partial(request, "webhooks/detail.html", "log", context, status=status)

    def log_context(self, request, subscription) -> dict:
        page = keyset_page(request, selectors.deliveries(subscription), size=LOG_PAGE)
        return {
            "subscription": subscription,
            "deliveries": page.rows,
            "after": page.cursor,
            "next_after": page.next_cursor,
            "pending": selectors.pending_count(subscription),
            "can_manage": self.can(MANAGE),
        }

    def post(self, request, subscription_id):
        """Save the settings."""
        try:
            body = forms.body_from_post(request.POST, creating=False)
            subscription = services.subscription_update(
                tenant=request.tenant,
                subscription_id=subscription_id,
                body=body,
                actor=request.user,
            )
        except NotFoundError:
            raise
        except DomainError as error:
            form = forms.form_from_post(request.POST, _known_types(request.tenant), error.errors)
            messages.error(request, "The changes were not saved: see the fields below.")
            return self.get(request, subscription_id, form=form, status=error.status_code)
        messages.success(request, f"Subscription {subscription.name} saved.")
        return HttpResponseRedirect(_detail_url(subscription.pk))


class ActionView(TenantPageMixin, View):
    """A button of the subscription page: call one service, say how it went, go back to the
    page. A refusal is a message there, never an error page."""

    privilege = MANAGE

    def post(self, request, subscription_id, **kwargs):
        try:
            done = self.act(request, subscription_id, **kwargs)
        except NotFoundError:
            raise
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, done)
        return HttpResponseRedirect(_detail_url(subscription_id))

    def act(self, request, subscription_id, **kwargs) -> str:
        raise NotImplementedError


class ActiveAction(ActionView):
    """Pause (active=false) or resume (active=true)."""

    def act(self, request, subscription_id) -> str:
        active = request.POST.get("active") == "true"
        subscription = services.subscription_set_active(
            tenant=request.tenant,
            subscription_id=subscription_id,
            active=active,
            actor=request.user,
        )
        return f"Subscription {subscription.name} {'resumed' if active else 'paused'}."


class TestEventAction(ActionView):
    def act(self, request, subscription_id) -> str:
        services.send_test_event(
            tenant=request.tenant, subscription_id=subscription_id, actor=request.user
        )
        return "Test event queued: it shows in the delivery log below."


class RotateSecretAction(ConfirmActionView):
    """The confirmation page of a new secret; its POST rotates and shows the secret once."""

    privilege = MANAGE

    def confirmation(self, subscription_id):
        subscription = selectors.get_subscription(self.request.tenant, subscription_id)
        return Confirmation(
            heading=f"Are you sure you want to rotate the secret of {subscription.name}?",
            button="Yes, rotate the secret",
            cancel_url=_detail_url(subscription.pk),
            goes=[("Secret that signs its deliveries", 1)],
            note=(
                f"{subscription.target_url} must then verify with the new secret: the old one "
                "no longer signs, and the new one is shown once."
            ),
        )

    def perform(self, form, subscription_id):
        subscription, secret = services.subscription_rotate_secret(
            tenant=self.request.tenant, subscription_id=subscription_id, actor=self.request.user
        )
        _keep_secret(self.request, subscription.pk, secret)
        done = f"Subscription {subscription.name} has a new secret; the old one no longer signs."
        return done, _detail_url(subscription.pk)


class RedeliverAction(ActionView):
    def act(self, request, subscription_id, delivery_id) -> str:
        services.redeliver(
            tenant=request.tenant,
            subscription_id=subscription_id,
            delivery_id=delivery_id,
            actor=request.user,
        )
        return "Event queued again as a new delivery."


class DeletePage(ConfirmActionView):
    """Asks first, naming the subscription and the log that goes with it; its POST deletes."""

    privilege = MANAGE

    def confirmation(self, subscription_id):
        subscription = selectors.get_subscription(self.request.tenant, subscription_id)
        deliveries = selectors.delivery_count(subscription)
        plural = "delivery" if deliveries == 1 else "deliveries"
        return Confirmation(
            heading=f"Are you sure you want to delete subscription {subscription.name}?",
            button=f"Yes, delete {subscription.name}",
            cancel_url=_detail_url(subscription.pk),
            goes=[("Subscription", 1), ("Deliveries in its log", deliveries)],
            note=(
                f"{subscription.target_url} will receive no more events. The delivery log goes "
                f"with it ({deliveries} {plural}, pending ones included). It cannot be undone."
            ),
        )

    def perform(self, form, subscription_id):
        subscription = selectors.get_subscription(self.request.tenant, subscription_id)
        services.subscription_delete(
            tenant=self.request.tenant, subscription_id=subscription.pk, actor=self.request.user
        )
        return f"Subscription {subscription.name} deleted with its log.", reverse("webhooks:list")


class DeliveryPage(TenantPageMixin, View):
    """Every attempt of one delivery, and the event it carries."""

    privilege = READ

    def get(self, request, subscription_id, delivery_id):
        subscription = selectors.get_subscription(request.tenant, subscription_id)
        delivery = selectors.get_delivery(subscription, delivery_id)
        context = {
            "subscription": subscription,
            "delivery": delivery,
            "attempts": list(selectors.attempts(delivery)),
            "event": json.dumps(delivery.event, indent=2, ensure_ascii=False),
            "can_manage": self.can(MANAGE),
            "breadcrumbs": [
                (subscription.name, _detail_url(subscription.pk)),
                (f"Delivery {delivery.delivery_id}", None),
            ],
        }
        return render(request, "webhooks/delivery.html", context)
