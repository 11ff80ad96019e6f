from django.conf import settings
from django.db import models


class Tenant(models.Model):
    """A contact center: everything else is kept apart by it."""

    class Mode(models.TextChoices):
        PRODUCTION = "production"
        MAINTENANCE = "maintenance"

    name = models.CharField(max_length=100, unique=True)
    mode = models.CharField(max_length=16, choices=Mode.choices, default=Mode.MAINTENANCE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def in_production(self) -> bool:
        return self.mode == self.Mode.PRODUCTION


class Membership(models.Model):
    """A user's grant in one tenant: the roles they hold there."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="memberships")
    roles = models.ManyToManyField("access.Role", blank=True, related_name="memberships")
    is_default = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "tenant"], name="membership_unique_user_tenant")
        ]
        ordering = ["tenant__name"]

    def __str__(self) -> str:
        return f"{self.user} in {self.tenant}"


class DisabledPlugin(models.Model):
    """A plug-in switched off for one tenant; plug-ins are on unless a row says otherwise.
    The plug-in is named by label so removing a plug-in leaves nothing dangling."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="disabled_plugins")
    plugin = models.CharField(max_length=100)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "plugin"], name="disabledplugin_unique")
        ]

    def __str__(self) -> str:
        return f"{self.plugin} off in {self.tenant_id}"
