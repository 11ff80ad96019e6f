"""csadmin: administration of customer-context data, built from plug-ins."""
