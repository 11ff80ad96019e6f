from csadmin.pluginlib.navigation import MenuItem

menu = [MenuItem("Audit log", "log", "audit.log.view", order=60)]
