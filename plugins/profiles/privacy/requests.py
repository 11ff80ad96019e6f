"""Starting a data export or an erase (spec §9): the customer must exist (404), and an erase
must be confirmed by typing the same id (400 naming `confirm`)."""

from __future__ import annotations

from csadmin.pluginlib import ValidationFailed
from csadmin.pluginlib.jobs import enqueue_job
from plugins.profiles import selectors
from plugins.profiles.privacy.naming import DATA_EXPORT, ERASE

CONFIRM_RULE = "must be the customer's id, typed again to confirm the erase"


def start_data_export(*, tenant, customer_id: str, actor):
    customer = selectors.customer(tenant, customer_id)
    arguments = {"customer_id": customer.customer_id}
    return enqueue_job(tenant=tenant, kind=DATA_EXPORT, arguments=arguments, actor=actor)


def confirmation_problems(customer_id: str, body) -> dict[str, list[str]]:
    """The refusal of an erase's body, by field (empty when it confirms)."""
    if not isinstance(body, dict):
        return {"body": ['must be a JSON object: {"confirm": "<the customer id>"}']}
    confirm = body.get("confirm")
    if not isinstance(confirm, str) or confirm != customer_id:
        return {"confirm": [CONFIRM_RULE]}
    unknown = sorted(set(body) - {"confirm"})
    if unknown:
        return {unknown[0]: ["is not a field of an erase request (only confirm)"]}
    return {}


def start_erase(*, tenant, customer_id: str, body, actor):
    customer = selectors.customer(tenant, customer_id)
    problems = confirmation_problems(customer.customer_id, body)
    if problems:
        raise ValidationFailed.from_errors(problems)
    arguments = {"customer_id": customer.customer_id}
    return enqueue_job(tenant=tenant, kind=ERASE, arguments=arguments, actor=actor)
