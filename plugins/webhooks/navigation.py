from csadmin.pluginlib import MenuItem

menu = [MenuItem("Event Subscriptions", "list", "webhooks.read", order=60)]
