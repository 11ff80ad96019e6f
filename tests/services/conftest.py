import pytest


@pytest.fixture
def start(api):
    """start(**event) -> service_id, through the API."""

    def run(**body):
        body.setdefault("service_type", "Sales")
        response = api.post("services/start", body)
        assert response.status_code == 201, response.json()
        return response.json()["service_id"]

    return run
