"""The deep-page scenario mints its cursor as the API signs it; the API must take it."""

from __future__ import annotations

from urllib.parse import urlencode

from bench.common import API
from bench.run import cursor_at
from plugins.services.models import Service


def test_the_deep_page_cursor_is_one_the_api_gives_out(api, tenant):
    body = {"service_type": "S", "customer_id": "c0"}
    newest_first = [api.post("services/start", body).json()["service_id"] for _ in range(5)][::-1]
    listing = f"{API}customers/c0/services?page_size=2"
    second = Service.objects.get(tenant=tenant, service_id=newest_first[1])
    cursor = urlencode({"cursor": cursor_at(listing, tenant.pk, second.pk)})
    response = api.get(f"{listing}&{cursor}")
    assert response.status_code == 200
    assert [s["service_id"] for s in response.json()] == newest_first[2:4]
