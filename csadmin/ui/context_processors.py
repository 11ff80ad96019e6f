from csadmin.access.checks import Decision, decide
from csadmin.access.grants import session_grant
from csadmin.api.errors import is_api_path
from csadmin.pluginlib.registry import registry
from csadmin.tenancy.selectors import tenants_of


def shell(request) -> dict:
    """What base.html needs: the tenant picker and the menu this user may see in this tenant."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or is_api_path(request.path):
        return {}
    tenant = getattr(request, "tenant", None) or session_grant(request)

    def allowed(item) -> bool:
        return decide(user, tenant, item.privilege, item.plugin) is Decision.ALLOW

    menu = registry.menu(allowed) if tenant else []
    current = request.path
    active = max(
        (item.url() for group in menu for item in group.items if current.startswith(item.url())),
        key=len,
        default=None,
    )
    return {
        "shell": {
            "tenant": tenant,
            "tenants": tenants_of(user),
            "menu": menu,
            "active_url": active,
        }
    }
