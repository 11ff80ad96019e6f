"""The privileges the profiles pages check (declared in the plug-in's config)."""

SCHEMA_READ = "profiles.schema.read"
SCHEMA_CHANGE = "profiles.schema.change"
CUSTOMERS_READ = "profiles.customers.read"
CUSTOMERS_CHANGE = "profiles.customers.change"
