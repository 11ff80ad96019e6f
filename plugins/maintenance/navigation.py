from csadmin.pluginlib import MenuItem

menu = [MenuItem("Maintenance", "page", "maintenance.view", order=30, heading="Operations")]
