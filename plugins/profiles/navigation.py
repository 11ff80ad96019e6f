from csadmin.pluginlib import MenuItem

menu = [
    MenuItem(
        "Profile Schema", "schemas", "profiles.schema.read", order=10, heading="Configuration"
    ),
    MenuItem(
        "Identification Keys", "keys", "profiles.schema.read", order=11, heading="Configuration"
    ),
    MenuItem("Customers", "customers", "profiles.customers.read", order=10, heading="Operations"),
]
