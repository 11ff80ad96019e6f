"""A small plug-in that uses every part of the framework, for the framework's own tests."""

from csadmin.pluginlib import PluginConfig, Privilege


class SampleConfig(PluginConfig):
    name = "tests.sample_plugin"
    label = "sample"
    verbose_name = "Sample"
    version = "9.9.9"
    description = "Notes kept per tenant; exists only in tests."
    base_url = "sample"
    menu_heading = "Operations"
    privileges = (
        Privilege("sample.notes.read", "Read notes", read_only=True, roles=("Agent Application",)),
        Privilege("sample.notes.change", "Write notes", roles=("Agent Application",)),
        Privilege("sample.notes.purge", "Purge notes", administrative=True),
    )


config = SampleConfig
