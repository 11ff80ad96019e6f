"""What a plug-in declares about itself, as data."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.apps import AppConfig

HEADINGS = ("Dashboard", "Configuration", "Operations", "Administration")
DEFAULT_HEADING = "Configuration"  # as in GAX: a plug-in without a heading lands here

BUILTIN_ROLES = (
    "Administrator",
    "Supervisor",
    "Schema Designer",
    "Agent Application",
    "Maintenance Operator",
)

PRIVILEGE_CODE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


@dataclass(frozen=True)
class Privilege:
    """A right a plug-in asks for. Roles bundle privileges; one function checks them.

    administrative: lacking it answers 401 on the API, as Context Services does for methods that
    change a schema, the server mode or run maintenance; lacking any other privilege is 403.
    read_only: the Supervisor role (read everything) includes it.
    roles: the other built-in roles that include it (Administrator includes every privilege).
    """

    code: str
    description: str
    administrative: bool = False
    read_only: bool = False
    roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class Schedule:
    """A periodic task a plug-in asks the host to run (Celery beat): every `every` seconds, or
    at the times of `cron`, a cron line "minute hour day-of-month month day-of-week" in UTC.
    `name` is the beat entry's name, unique across plug-ins; `task` the task's name (a task
    the plug-in defines with csadmin.jobs.task). The host registers the schedules of the
    installed plug-ins only, so a plug-in left out of CSADMIN_PLUGINS schedules nothing.
    `expires`: a run not started within that many seconds is dropped (runs that piled up
    behind a stalled broker then do not run back to back)."""

    name: str
    task: str
    every: float | None = None
    cron: str | None = None
    expires: float | None = None


@dataclass(frozen=True)
class CustomerData:
    """One plug-in's part of what is stored about one customer, for data-protection requests
    (access and erasure). A plug-in lists its parts in `customer_data.py` as `parts`; the
    profiles plug-in's data-export and erase jobs call every installed plug-in's parts, so no
    plug-in needs to import another to answer for the whole customer.

    name: unique across plug-ins ("services", "deliveries").
    order: parts are exported and erased in ascending order: a part that finds its rows
      through another's (deliveries through the customer's services) comes before it, and
      the profile itself comes last, so a request can be made again until nothing is left.
    export(tenant, customer_id, archive) -> counts: writes its files into the archive
      (`with archive.member("services.ndjson") as out: out.write(...)`); None: nothing to add.
    erase(tenant, customer_id, batch) -> iterator of works: each work is a callable that
      removes one batch (at most `batch` of its rows) in the caller's transaction and answers
      counts ({"services": 1000, "states": 2300}); the job commits each batch with its
      counts. It finds what is left each time, so a run that starts over finishes the work.
    remaining(tenant, customer_id) -> how many rows of `unit` are left (the job's progress).
    unit: the count that measures progress ("services").
    """

    name: str
    order: int
    erase: Callable[..., Iterator[Callable[[], dict[str, int]]]]
    remaining: Callable[..., int]
    unit: str
    export: Callable[..., dict[str, int]] | None = None


class PluginConfig(AppConfig):
    """An AppConfig that is also a csadmin plug-in.

    Module paths are relative to the plug-in's package; a missing module is allowed only when it
    is optional (all of these are), a module that fails to import is an error naming the plug-in.
    """

    default_auto_field = "django.db.models.BigAutoField"

    verbose_name: str = ""
    version: str = "0.0.0"
    description: str = ""
    base_url: str = ""
    menu_heading: str = DEFAULT_HEADING
    privileges: tuple[Privilege, ...] = ()
    requires: tuple[str, ...] = ()
    schedules: tuple[Schedule, ...] = ()
    # A core plug-in is part of the host: always on, cannot be disabled per tenant.
    core: bool = False

    menu_module: str = "navigation.menu"
    urls_module: str = "urls.urlpatterns"
    api_urls_module: str = "api.urls.urlpatterns"
    tasks_module: str = "tasks"
    extensions_module: str = "extensions"
    customer_data_module: str = "customer_data.parts"
    demo_module: str = "demo.load_demo"

    def privilege_codes(self) -> set[str]:
        return {privilege.code for privilege in self.privileges}
