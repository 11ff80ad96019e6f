from csadmin.pluginlib.navigation import MenuItem

menu = [MenuItem("Jobs", "list", "jobs.runs.view", order=40)]
