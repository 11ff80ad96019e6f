"""Names for what pages show by id: a customer's name, provided by the plug-in that keeps
customers (profiles) to pages of others (services), which must not import it. Without a
provider every name is "", and pages show the id alone."""

from __future__ import annotations

from collections.abc import Callable, Iterable

CustomerNames = Callable[[object, list[str]], dict[str, str]]

_customer_names: CustomerNames | None = None


def provide_customer_names(names: CustomerNames) -> None:
    """Called once by the plug-in that keeps customers: `names(tenant, ids)` answers
    {id: name} for the ids it knows and has a name for, in a fixed number of queries."""
    global _customer_names
    _customer_names = names


def customer_names(tenant, customer_ids: Iterable[str | None]) -> dict[str, str]:
    """{customer id: name} for those of `customer_ids` that have a name in `tenant`."""
    wanted = sorted({customer_id for customer_id in customer_ids if customer_id})
    if _customer_names is None or not wanted:
        return {}
    return _customer_names(tenant, wanted)
