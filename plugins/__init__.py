"""Feature plug-ins: each package here is found by the registry and mounted by the host."""
