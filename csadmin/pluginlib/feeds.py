"""The event feed: how a plug-in reads the service, state and task events another plug-in
records, without importing it. The services plug-in provides it; event delivery reads it in its
workers, so that recording an event costs the API call nothing more than storing it."""

from __future__ import annotations

from typing import Any, Protocol, TypedDict


class EventDocument(TypedDict):
    """A recorded event as the feed and the events_recorded signal hand it over: what happened,
    to which service, state or task, when, and the event's body as it was sent."""

    event_id: int
    kind: str  # "service.start", "service.end", "state.start", "state.transition", ...
    timestamp: str  # ISO 8601, UTC, "Z"
    service_id: str
    service_type: str
    customer_id: str | None
    contact_key: str | None
    state_id: int | None
    task_id: int | None
    actor: str
    data: Any  # the body of the call that recorded the event


class EventFeed(Protocol):
    """Events as plain dicts (EventDocument), in id order. Ids grow with time; within one
    service they also grow in commit order."""

    def latest_id(self) -> int:
        """The highest event id stored so far, in any tenant (0 when there is none)."""

    def of_service(
        self,
        tenant,
        service_id: str,
        *,
        ranges: list[tuple[int, int | None]],
        kinds,
        limit: int,
    ) -> list[dict]:
        """The service's events of these kinds with an id in one of the ranges, each
        (after_id, through_id] (through_id None: no upper end); none for no range."""

    def of_tenant(
        self, tenant, *, after_id: int, through_id: int | None, kinds, limit: int
    ) -> list[dict]:
        """The tenant's events of these kinds with an id in (after_id, through_id], as their
        heads only: event_id, kind, service_id, service_type and customer_id."""

    def service_types(self, tenant) -> list[str]:
        """The service types known in the tenant (the names offered when choosing which
        services' events to receive)."""


_feed: EventFeed | None = None


def provide_event_feed(feed: EventFeed) -> None:
    """Called once by the plug-in that records events, when it is ready."""
    global _feed
    _feed = feed


def event_feed() -> EventFeed:
    if _feed is None:
        raise LookupError("no installed plug-in provides the event feed")
    return _feed
