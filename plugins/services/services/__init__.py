"""Every write of the services plug-in: the lifecycle of services, states and tasks, and the
business attribute values. Each function is one transaction; the API, the pages, the demo and
the maintenance jobs call these, so a rule lives in one place. This package's face is the names
below; its modules are its own (the bulk writes of the maintenance jobs are in `bulk`)."""

from plugins.services.services.business_values import (
    business_value_add,
    business_value_remove,
    business_value_update,
)
from plugins.services.services.common import (
    PLUGIN,
    actor_name,
    check_extension,
    locked_service,
    record_events,
)
from plugins.services.services.lifecycle import (
    MAX_NESTED,
    SERVICE_COLUMNS,
    ServiceNotFoundForDelete,
    delete_service_rows,
    service_associate,
    service_delete,
    service_end,
    service_set_expiry,
    service_set_extension,
    service_start,
    service_start_composite,
)
from plugins.services.services.states_tasks import (
    STATE_COLUMNS,
    TASK_COLUMNS,
    state_end,
    state_set_extension,
    state_start,
    state_transition,
    task_end,
    task_set_extension,
    task_start,
)

__all__ = [
    "MAX_NESTED",
    "PLUGIN",
    "SERVICE_COLUMNS",
    "STATE_COLUMNS",
    "TASK_COLUMNS",
    "ServiceNotFoundForDelete",
    "actor_name",
    "business_value_add",
    "business_value_remove",
    "business_value_update",
    "check_extension",
    "delete_service_rows",
    "locked_service",
    "record_events",
    "service_associate",
    "service_delete",
    "service_end",
    "service_set_expiry",
    "service_set_extension",
    "service_start",
    "service_start_composite",
    "state_end",
    "state_set_extension",
    "state_start",
    "state_transition",
    "task_end",
    "task_set_extension",
    "task_start",
]
