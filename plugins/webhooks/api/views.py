"""The subscription API under /genesys/1/cs/metadata/subscriptions: parse, call, answer."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from csadmin.pluginlib import ErrorSerializer, KeysetPagination, TenantAPIView
from plugins.webhooks import selectors, services
from plugins.webhooks.api.serializers import (
    DeliveryDetailSerializer,
    DeliverySerializer,
    SecretSerializer,
    SubscriptionCreatedSerializer,
    SubscriptionInputSerializer,
    SubscriptionSerializer,
)

READ = "webhooks.read"
MANAGE = "webhooks.manage"
ERRORS = {code: ErrorSerializer for code in (400, 401, 403, 404, 415)}


class ByName(KeysetPagination):
    ordering = ("name", "id")


class NewestFirst(KeysetPagination):
    ordering = "-id"


class SubscriptionsView(TenantAPIView):
    privileges = {"GET": READ, "POST": MANAGE}

    @extend_schema(
        responses={200: SubscriptionSerializer(many=True), **ERRORS},
        operation_id="subscriptions_list",
    )
    def get(self, request):
        rows = selectors.subscriptions(request.tenant)
        return self.paginate(
            rows, lambda page: [selectors.subscription_document(s) for s in page], ByName
        )

    @extend_schema(
        request=SubscriptionInputSerializer,
        responses={201: SubscriptionCreatedSerializer, **ERRORS},
        operation_id="subscriptions_create",
    )
    def post(self, request):
        subscription, secret = services.subscription_create(
            tenant=request.tenant, body=request.data, actor=request.user
        )
        body = {**selectors.subscription_document(subscription), "secret": secret}
        location = reverse("webhooks-api:subscription", args=[subscription.pk])
        return Response(body, status=201, headers={"Location": location})


class SubscriptionView(TenantAPIView):
    privileges = {"GET": READ, "PATCH": MANAGE, "DELETE": MANAGE}

    @extend_schema(
        responses={200: SubscriptionSerializer, **ERRORS}, operation_id="subscription_get"
    )
    def get(self, request, subscription_id):
        subscription = selectors.get_subscription(request.tenant, subscription_id)
        return Response(selectors.subscription_document(subscription))

    @extend_schema(
        request=SubscriptionInputSerializer(partial=True),
        responses={200: SubscriptionSerializer, **ERRORS},
        operation_id="subscription_change",
    )
    def patch(self, request, subscription_id):
        subscription = services.subscription_update(
            tenant=request.tenant,
            subscription_id=subscription_id,
            body=request.data,
            actor=request.user,
        )
        return Response(selectors.subscription_document(subscription))

    @extend_schema(responses={204: None, **ERRORS}, operation_id="subscription_delete")
    def delete(self, request, subscription_id):
        services.subscription_delete(
            tenant=request.tenant, subscription_id=subscription_id, actor=request.user
        )
        return Response(status=204)


class SecretView(TenantAPIView):
    privileges = {"POST": MANAGE}

    @extend_schema(
        request=None,
        responses={200: SecretSerializer, **ERRORS},
        operation_id="subscription_rotate_secret",
    )
    def post(self, request, subscription_id):
        subscription, secret = services.subscription_rotate_secret(
            tenant=request.tenant, subscription_id=subscription_id, actor=request.user
        )
        return Response({"id": subscription.pk, "secret": secret})


class TestEventView(TenantAPIView):
    privileges = {"POST": MANAGE}

    @extend_schema(
        request=None,
        responses={202: DeliverySerializer, **ERRORS},
        operation_id="subscription_send_test",
    )
    def post(self, request, subscription_id):
        delivery = services.send_test_event(
            tenant=request.tenant, subscription_id=subscription_id, actor=request.user
        )
        return Response(selectors.delivery_document(delivery), status=202)


class DeliveriesView(TenantAPIView):
    privileges = {"GET": READ}

    @extend_schema(
        responses={200: DeliverySerializer(many=True), **ERRORS},
        operation_id="subscription_deliveries",
    )
    def get(self, request, subscription_id):
        subscription = selectors.get_subscription(request.tenant, subscription_id)
        return self.paginate(
            selectors.deliveries(subscription),
            lambda page: [selectors.delivery_document(d) for d in page],
            NewestFirst,
        )


class DeliveryView(TenantAPIView):
    privileges = {"GET": READ}

    @extend_schema(
        responses={200: DeliveryDetailSerializer, **ERRORS}, operation_id="subscription_delivery"
    )
    def get(self, request, subscription_id, delivery_id):
        subscription = selectors.get_subscription(request.tenant, subscription_id)
        delivery = selectors.get_delivery(subscription, delivery_id)
        log = list(selectors.attempts(delivery))
        return Response(selectors.delivery_document(delivery, log=log))


class RedeliverView(TenantAPIView):
    privileges = {"POST": MANAGE}

    @extend_schema(
        request=None,
        responses={202: DeliverySerializer, **ERRORS},
        operation_id="subscription_redeliver",
    )
    def post(self, request, subscription_id, delivery_id):
        delivery = services.redeliver(
            tenant=request.tenant,
            subscription_id=subscription_id,
            delivery_id=delivery_id,
            actor=request.user,
        )
        return Response(selectors.delivery_document(delivery), status=202)
