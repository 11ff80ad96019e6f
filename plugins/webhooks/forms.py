"""The subscription form of the pages: posted fields in, the API's body out (the rules live in
rules.py and run in the services), and back again to refill the form after a refusal."""

from __future__ import annotations

from dataclasses import dataclass, field

from csadmin.pluginlib import ValidationFailed
from plugins.webhooks import rules
from plugins.webhooks.models import EVENT_KINDS, Subscription

# The fields this form shows (a new subscription starts active: the page pauses and resumes
# it); a refusal about any other field is shown above the form.
SHOWN = tuple(field for field in rules.FIELDS if field != "active")


@dataclass
class SubscriptionForm:
    """What the form shows: values, the tenant's known service types and the errors by field."""

    name: str = ""
    target_url: str = ""
    kinds: list[str] = field(default_factory=lambda: list(EVENT_KINDS))
    service_types: list[str] = field(default_factory=list)
    known_types: list[str] = field(default_factory=list)
    customers: str = Subscription.Customers.ALL.value
    customer_id: str = ""
    failure_limit: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def other_types(self) -> str:
        """Chosen types the tenant has no business attribute value for, as typed."""
        return ", ".join(t for t in self.service_types if t not in self.known_types)

    @property
    def kind_choices(self) -> list[tuple[str, bool]]:
        return [(kind, kind in self.kinds) for kind in EVENT_KINDS]

    @property
    def type_choices(self) -> list[tuple[str, bool]]:
        return [(name, name in self.service_types) for name in self.known_types]

    @property
    def customer_choices(self):
        return Subscription.Customers.choices

    @property
    def other_errors(self) -> list[str]:
        return [
            f"{name}: {message}"
            for name, messages in self.errors.items()
            if name not in SHOWN
            for message in messages
        ]


def form_for(subscription: Subscription | None, known_types, *, failure_limit=None):
    """The form of a new subscription (defaults) or of an existing one (its values)."""
    if subscription is None:
        return SubscriptionForm(known_types=list(known_types), failure_limit=str(failure_limit))
    return SubscriptionForm(
        name=subscription.name,
        target_url=subscription.target_url,
        kinds=list(subscription.kinds),
        service_types=list(subscription.service_types),
        known_types=list(known_types),
        customers=subscription.customers,
        customer_id=subscription.customer_id,
        failure_limit=str(subscription.failure_limit),
    )


def _posted_types(post) -> list[str]:
    typed = [part.strip() for part in post.get("other_types", "").split(",")]
    return [*post.getlist("service_types"), *(t for t in typed if t)]


def _limit(raw: str):
    """An integer when it reads as one; otherwise the text, so the rules name the field."""
    raw = raw.strip()
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else raw


def body_from_post(post, *, creating: bool) -> dict:
    """The body the API would take for these posted fields. Empty optional fields of a new
    subscription are left out, so the defaults apply."""
    nul = sorted(
        {
            "service_types" if name == "other_types" else name
            for name, values in post.lists()
            if any("\x00" in value for value in values)
        }
    )
    if nul:  # PostgreSQL cannot store it; answer by field before any database work
        raise ValidationFailed.from_errors(
            {name: ["must not contain the NUL character"] for name in nul}
        )
    body = {
        "name": post.get("name", ""),
        "target_url": post.get("target_url", "").strip(),
        "kinds": post.getlist("kinds"),
        "service_types": _posted_types(post),
        "customers": post.get("customers", Subscription.Customers.ALL.value),
        "customer_id": post.get("customer_id", ""),
    }
    limit = post.get("failure_limit", "")
    if limit.strip() or not creating:
        body["failure_limit"] = _limit(limit)
    if creating and post.get("secret", ""):
        body["secret"] = post["secret"]
    return body


def form_from_post(post, known_types, errors) -> SubscriptionForm:
    """The posted values again, with the errors, to show after a refusal (never the secret)."""

    def text(name: str, default: str = "") -> str:
        return post.get(name, default).replace("\x00", "")

    return SubscriptionForm(
        name=text("name"),
        target_url=text("target_url"),
        kinds=post.getlist("kinds"),
        service_types=[t.replace("\x00", "") for t in _posted_types(post)],
        known_types=list(known_types),
        customers=text("customers", Subscription.Customers.ALL.value),
        customer_id=text("customer_id"),
        failure_limit=text("failure_limit"),
        errors=errors or {},
    )
