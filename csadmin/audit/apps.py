from csadmin.pluginlib.config import PluginConfig, Privilege


class AuditConfig(PluginConfig):
    default = True
    name = "csadmin.audit"
    label = "audit"
    verbose_name = "Audit log"
    version = "1.0.0"
    description = "Who changed which configuration, when, with the values before and after."
    base_url = "audit"
    menu_heading = "Administration"
    core = True
    privileges = (Privilege("audit.log.view", "Read the audit log", read_only=True),)
