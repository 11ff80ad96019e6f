"""Starting the customers jobs (spec §8): each parameter checked, refusals naming it; the
API, the page and the command call these."""

from __future__ import annotations

from csadmin.pluginlib import ValidationFailed
from csadmin.pluginlib.jobs import enqueue_job
from plugins.maintenance.customers.files import CUSTOMER_FILES, FORMATS, check_csv_header
from plugins.maintenance.services import CUSTOMERS_IMPORT, parse_max_errors
from plugins.maintenance.uploads import discard_upload, keep_upload
from plugins.profiles import bulk

EXPORT = "maintenance.customers_export"
IMPORT = CUSTOMERS_IMPORT
TRUE, FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off", "")


def parse_extensions(tenant, raw) -> str:
    """The `extensions` parameter (`*` or names), checked; 400 naming it for unknown names."""
    text = "" if raw is None else str(raw).strip()
    bulk.requested_extensions(tenant, text)
    return text


def parse_format(raw) -> str:
    fmt = raw or "json"
    if fmt not in FORMATS:
        raise ValidationFailed.from_errors({"format": ["must be json or csv"]})
    return fmt


def parse_import_options(tenant, params) -> dict:
    """mode, match, dry_run and max_errors of an import request (a QueryDict or a dict)."""
    mode = params.get("mode") or "create"
    if mode not in bulk.MODES:
        raise ValidationFailed.from_errors({"mode": ["must be create, merge or replace"]})
    match = params.get("match") or bulk.MATCH_BY_ID
    bulk.check_match(tenant, match)
    raw = params.get("dry_run")
    dry_run = raw is True or str(raw).lower() in TRUE
    if not dry_run and raw not in (None, False) and str(raw).lower() not in FALSE:
        raise ValidationFailed.from_errors({"dry_run": ["must be true or false"]})
    return {
        "mode": mode,
        "match": match,
        "dry_run": dry_run,
        "max_errors": parse_max_errors(params.get("max_errors")),
    }


def start_customers_export(*, tenant, fmt, extensions, actor):
    arguments = {"format": parse_format(fmt), "extensions": parse_extensions(tenant, extensions)}
    return enqueue_job(tenant=tenant, kind=EXPORT, arguments=arguments, actor=actor)


def keep_customers_upload(tenant, uploaded) -> str:
    """Keep the upload when it is a customers file (a CSV's columns named by the tenant's
    schemas) and answer its token; refused (400 naming `file`) and never kept otherwise."""

    def check_columns(given, found: str) -> None:
        if found == "csv":
            check_csv_header(given, tenant)

    return keep_upload(uploaded, CUSTOMER_FILES, check=check_columns)


def start_customers_import(*, tenant, token: str, name: str, options: dict, actor):
    """Queue the import of the upload kept under `token` with the checked `options`; when no
    job could be queued (broker down: 503), the upload is removed."""
    arguments = {"upload": token, "name": str(name)[:200], **options}
    try:
        return enqueue_job(tenant=tenant, kind=IMPORT, arguments=arguments, actor=actor)
    except Exception:
        discard_upload(token)
        raise
