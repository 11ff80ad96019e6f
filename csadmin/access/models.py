import hashlib
import secrets

from django.conf import settings
from django.db import models


class Privilege(models.Model):
    """A privilege a plug-in declared; rows are kept in step with the registry after migrate."""

    code = models.CharField(max_length=100, unique=True)
    description = models.CharField(max_length=255)
    plugin = models.CharField(max_length=100)
    administrative = models.BooleanField(default=False)
    read_only = models.BooleanField(default=False)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class Role(models.Model):
    name = models.CharField(max_length=100, unique=True)
    description = models.CharField(max_length=255, blank=True)
    builtin = models.BooleanField(default=False)
    privileges = models.ManyToManyField(Privilege, blank=True, related_name="roles")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def hash_token(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(models.Model):
    """An API token: only its hash is stored; the key is shown once, when it is created."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def new_key() -> str:
        return secrets.token_urlsafe(32)


class LoginFailure(models.Model):
    """Failed logins, counted per user name and address to throttle guessing."""

    class Channel(models.TextChoices):
        SIGN_IN = "sign-in", "Sign-in page"
        API = "api", "API (HTTP Basic)"

    username = models.CharField(max_length=150, db_index=True)
    address = models.CharField(max_length=64)
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.SIGN_IN)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.username} from {self.address}"
