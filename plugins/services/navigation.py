from csadmin.pluginlib import MenuItem

menu = [
    MenuItem("Services", "service-list", "services.data.read", order=20, heading="Operations"),
    MenuItem(
        "Business Attributes",
        "attributes",
        "services.attributes.read",
        order=40,
        heading="Configuration",
    ),
]
