from csadmin.pluginlib.navigation import MenuItem

menu = [
    MenuItem("Tenants", "tenants", "tenancy.tenants.view", order=10),
    MenuItem("Plug-ins", "plugins", "tenancy.plugins.view", order=20),
    MenuItem("Server mode", "server-mode", "tenancy.server.status", order=30),
]
