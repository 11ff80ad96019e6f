from csadmin.pluginlib.navigation import MenuItem

menu = [MenuItem("Dashboard", "dashboard", "ui.dashboard.view", order=0)]
