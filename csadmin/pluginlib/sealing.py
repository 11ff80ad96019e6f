"""Secrets the product must read back (a webhook's signing secret), sealed at rest.

A sealed value is a Fernet token (AES-128-CBC and HMAC-SHA256, from `cryptography`): a copy of
the database alone does not give the secrets away. The keys come from CSADMIN_SECRETS_KEYS
(any texts; each is hashed into a Fernet key); without it, from SECRET_KEY and then
SECRET_KEY_FALLBACKS. The first key seals; every key opens, so a new key goes first and
`manage.py reseal_secrets` moves what the older keys sealed onto it before they are dropped.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.conf import settings
from django.db import connection, models, transaction

logger = logging.getLogger(__name__)


def key_texts() -> tuple[str, ...]:
    configured = tuple(getattr(settings, "CSADMIN_SECRETS_KEYS", ()) or ())
    if configured:
        return configured
    return (settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", ()))


@lru_cache(maxsize=4)
def _box(texts: tuple[str, ...]) -> MultiFernet:
    # Domain-separated from Django's own uses of SECRET_KEY (signing, sessions).
    keys = [
        Fernet(base64.urlsafe_b64encode(hashlib.sha256(b"csadmin.sealing:" + t.encode()).digest()))
        for t in texts
    ]
    return MultiFernet(keys)


def box() -> MultiFernet:
    return _box(key_texts())


def seal(text: str) -> str:
    return box().encrypt(text.encode()).decode("ascii")


def unseal(token: str) -> str | None:
    """The sealed text, or None when no configured key opens it (the keys were changed)."""
    try:
        return box().decrypt(token.encode("ascii")).decode()
    except (InvalidToken, UnicodeError):
        return None


def reseal(token: str) -> str | None:
    """The same text sealed with the first key; None when no configured key opens it."""
    try:
        return box().rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeError):
        return None


class SealedTextField(models.TextField):
    """A text stored sealed and read back in clear. A value no configured key opens reads as
    None (logged), so a page still shows the row and the caller decides what to do. Sealing
    is randomized: the column cannot be filtered on."""

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        opened = unseal(value)
        if opened is None:
            logger.warning("a sealed %s cannot be opened with the configured keys", self.name)
        return opened

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return None if value is None else seal(value)


def sealed_columns() -> list[tuple[type[models.Model], SealedTextField]]:
    return [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, SealedTextField)
    ]


def reseal_all() -> dict[str, tuple[int, list]]:
    """Every sealed value sealed again with the first key, in one transaction. Per column
    (`app_label.Model.field`): how many were resealed, and the primary keys of the rows no
    configured key opens (left as they are)."""
    quote = connection.ops.quote_name
    report: dict[str, tuple[int, list]] = {}
    with transaction.atomic():
        for model, field in sealed_columns():
            # Names from the models, quoted; values as parameters. Raw reads: the ORM would
            # hand back the opened text, not the token.
            table, column = quote(model._meta.db_table), quote(field.column)
            pk = quote(model._meta.pk.column)
            select = f"SELECT {pk}, {column} FROM {table} WHERE {column} IS NOT NULL"  # noqa: S608
            update = f"UPDATE {table} SET {column} = %s WHERE {pk} = %s"  # noqa: S608
            resealed, unreadable = 0, []
            with connection.cursor() as cursor:
                cursor.execute(select)
                for key, token in cursor.fetchall():
                    fresh = reseal(token)
                    if fresh is None:
                        unreadable.append(key)
                        continue
                    cursor.execute(update, [fresh, key])
                    resealed += 1
            report[f"{model._meta.label}.{field.name}"] = (resealed, unreadable)
    return report
