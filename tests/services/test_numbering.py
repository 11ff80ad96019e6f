"""State and task numbers: the API hands out one more than the greater of the service's counter
and its highest stored number, so rows written without the counter (an import) are never
numbered twice."""

from __future__ import annotations

import pytest
from django.utils import timezone

from plugins.services.models import Service, State, Task

pytestmark = pytest.mark.django_db


def test_numbers_continue_past_rows_written_without_the_counter(api, start):
    service_id = start()
    service = Service.objects.get(service_id=service_id)
    now = timezone.now()
    State.objects.bulk_create(State(service=service, state_id=n, started_at=now) for n in (1, 5))
    Task.objects.bulk_create(Task(service=service, task_id=n, started_at=now) for n in (1, 2))
    assert Service.objects.get(pk=service.pk).last_state_id == 0  # the counter knows nothing

    state = api.post(f"services/{service_id}/states/start", {"state_type": "S"})
    task = api.post(f"services/{service_id}/tasks/start", {"task_type": "T"})
    assert (state.json()["state_id"], task.json()["task_id"]) == (6, 3)
    again = api.post(f"services/{service_id}/states/start", {"state_type": "S"})
    assert again.json()["state_id"] == 7


def test_a_counter_ahead_of_the_rows_still_wins(api, start):
    """A number handed out and then deleted with its row is not handed out again."""
    service_id = start()
    Service.objects.filter(service_id=service_id).update(last_task_id=9)
    task = api.post(f"services/{service_id}/tasks/start", {"task_type": "T"})
    assert task.json()["task_id"] == 10
