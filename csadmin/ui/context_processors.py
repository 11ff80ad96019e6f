from csadmin.access.checks import Decision, decide
from csadmin.access.grants import session_grant
from csadmin.api.errors import is_api_path
from csadmin.pluginlib.registry import registry
from csadmin.tenancy.selectors import tenants_of
from csadmin.ui.shell import active_section, declared_entry


def shell(request) -> dict:
    """What base.html needs: the tenant picker and the menu this user may see in this tenant."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or is_api_path(request.path):
        return {}
    tenant = getattr(request, "tenant", None) or session_grant(request)

    def allowed(item) -> bool:
        return decide(user, tenant, item.privilege, item.plugin) is Decision.ALLOW

    menu = registry.menu(allowed) if tenant else []
    section = active_section(menu, request.path, declared_entry(request))
    return {
        "shell": {
            "tenant": tenant,
            "tenants": tenants_of(user),
            "menu": menu,
            "section": section,
        }
    }
