"""The checks every endpoint owes (csadmin.testing), for the services API. Objects are made and
counted through the API itself, so these hold whichever modules serve it."""

from __future__ import annotations

from csadmin.testing import (
    CreateEndpointChecks,
    DeleteEndpointChecks,
    GetEndpointChecks,
    ListEndpointChecks,
)

CUSTOMER = "C1"


class ServiceFactory:
    key_field = "service_id"

    def make(self, tenant):
        response = self.admin(tenant).post(
            "services/start", {"service_type": "Sales", "customer_id": CUSTOMER}
        )
        assert response.status_code == 201, response.content
        return response.json()["service_id"]

    def key_of(self, obj):
        return obj


class TestService(ServiceFactory, GetEndpointChecks, DeleteEndpointChecks):
    detail_url = "services/{key}"
    missing_url = "services/ghost"
    deleted_status = 200
    missing_status = 400  # as Context Services answers deleting an unknown service


class TestCustomerServices(ServiceFactory, ListEndpointChecks):
    list_url = f"customers/{CUSTOMER}/services"
    list_queries = 2  # the grant, the page


class TestServiceStart(ServiceFactory, CreateEndpointChecks):
    create_url = "services/start"
    bad_body, bad_field = {"service_type": "Sales", "customer_id": 12}, "customer_id"

    def create_body(self, tenant):
        return {"service_type": "Sales", "customer_id": CUSTOMER}

    def count(self, tenant):
        listed = self.admin(tenant).get(f"customers/{CUSTOMER}/services?page_size=1000")
        return len(listed.json())
