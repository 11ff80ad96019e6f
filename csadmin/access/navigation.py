from csadmin.pluginlib.navigation import MenuItem

menu = [
    MenuItem("Users and grants", "grants", "access.grants.view", order=40),
    MenuItem("Roles", "roles", "access.grants.view", order=50),
]
