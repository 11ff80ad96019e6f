"""The one plug-in registry: filled once from the installed apps, read-only afterwards."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from django.apps import apps

from csadmin.pluginlib.config import (
    DEFAULT_HEADING,
    HEADINGS,
    CustomerData,
    PluginConfig,
    Privilege,
)
from csadmin.pluginlib.loader import import_optional
from csadmin.pluginlib.navigation import Extensions, MenuGroup, MenuItem, Tab, Widget


@dataclass(frozen=True)
class Plugin:
    """A loaded plug-in: its config and everything its modules contributed."""

    config: PluginConfig
    menu: tuple[MenuItem, ...] = ()
    urlpatterns: tuple = ()
    api_urlpatterns: tuple = ()
    tabs: tuple[Tab, ...] = ()
    widgets: tuple[Widget, ...] = ()
    jobs: tuple[str, ...] = field(default=())
    customer_data: tuple[CustomerData, ...] = ()
    demo: object = None

    @property
    def label(self) -> str:
        return self.config.label

    @property
    def module(self) -> str:
        return self.config.name


class Registry:
    def __init__(self) -> None:
        self._plugins: MappingProxyType[str, Plugin] | None = None
        self._lock = threading.Lock()
        self._jobs: dict[str, str] = {}  # task name -> module defining it
        self._job_inputs: dict[str, type] = {}  # task name -> its declared inputs
        self._job_files_privileges: dict[str, str] = {}  # task name -> to download its files

    # -- filling ---------------------------------------------------------------------------
    def _ensure_loaded(self) -> MappingProxyType[str, Plugin]:
        if self._plugins is None:
            with self._lock:
                if self._plugins is None:
                    self._plugins = MappingProxyType(self._load())
        return self._plugins

    def _load(self) -> dict[str, Plugin]:
        loaded: dict[str, Plugin] = {}
        for config in apps.get_app_configs():
            if isinstance(config, PluginConfig):
                loaded[config.label] = self._load_one(config)
        return loaded

    @staticmethod
    def _load_one(config: PluginConfig) -> Plugin:
        package, label = config.name, config.label
        menu = import_optional(package, config.menu_module, label) or ()
        urls = import_optional(package, config.urls_module, label) or ()
        api_urls = import_optional(package, config.api_urls_module, label) or ()
        import_optional(package, config.tasks_module, label, whole_module=True)
        extensions = import_optional(package, config.extensions_module, label, whole_module=True)
        contributed = getattr(extensions, "contributions", None) or Extensions()
        demo = import_optional(package, config.demo_module, label)
        customer_data = import_optional(package, config.customer_data_module, label) or ()
        return Plugin(
            config=config,
            menu=tuple(replace(item, plugin=label) for item in menu),
            urlpatterns=tuple(urls),
            api_urlpatterns=tuple(api_urls),
            tabs=tuple(replace(tab, plugin=label) for tab in contributed.tabs),
            widgets=tuple(replace(widget, plugin=label) for widget in contributed.widgets),
            demo=demo,
            customer_data=tuple(customer_data),
        )

    def reset(self) -> None:
        """Forget what was loaded (tests that change INSTALLED_APPS)."""
        with self._lock:
            self._plugins = None

    # -- jobs ------------------------------------------------------------------------------
    def register_job(
        self,
        task_name: str,
        module: str,
        inputs: type | None = None,
        *,
        files_privilege: str | None = None,
    ) -> None:
        """Called by the @job decorator (often while plug-ins load, so nothing is resolved here)."""
        self._jobs[task_name] = module
        if inputs is not None:
            self._job_inputs[task_name] = inputs
        if files_privilege:
            self._job_files_privileges[task_name] = files_privilege

    def job_files_privilege(self, task_name: str) -> str | None:
        """The privilege a job's files need beyond seeing jobs (None: none more)."""
        self._ensure_loaded()
        return self._job_files_privileges.get(task_name)

    def jobs(self) -> dict[str, str]:
        """Every registered job's task name with the label of the plug-in defining it."""
        self._ensure_loaded()
        return {
            name: self.label_for_module(module) or "core" for name, module in self._jobs.items()
        }

    def jobs_of(self, label: str) -> list[str]:
        return sorted(name for name, owner in self.jobs().items() if owner == label)

    def job_inputs(self, task_name: str) -> type | None:
        """The inputs a job declared (a csadmin.jobs JobInputs type), None when unknown."""
        self._ensure_loaded()
        return self._job_inputs.get(task_name)

    # -- reading ---------------------------------------------------------------------------
    def plugins(self) -> list[Plugin]:
        return list(self._ensure_loaded().values())

    def get(self, label: str) -> Plugin:
        return self._ensure_loaded()[label]

    def __contains__(self, label: str) -> bool:
        return label in self._ensure_loaded()

    def label_for_module(self, module: str) -> str | None:
        """The plug-in whose package holds `module` (longest match), or None."""
        best: Plugin | None = None
        for plugin in self._ensure_loaded().values():
            inside = module == plugin.module or module.startswith(plugin.module + ".")
            if inside and (best is None or len(plugin.module) > len(best.module)):
                best = plugin
        return best.label if best else None

    def privileges(self) -> dict[str, tuple[str, Privilege]]:
        """Every declared privilege by code, with the label of the plug-in declaring it."""
        found: dict[str, tuple[str, Privilege]] = {}
        for plugin in self.plugins():
            for privilege in plugin.config.privileges:
                found.setdefault(privilege.code, (plugin.label, privilege))
        return found

    def privilege(self, code: str) -> Privilege | None:
        entry = self.privileges().get(code)
        return entry[1] if entry else None

    def menu(self, allowed) -> list[MenuGroup]:
        """The menu as groups in the fixed heading order; `allowed(item)` filters items."""
        groups: dict[str, list[MenuItem]] = {heading: [] for heading in HEADINGS}
        for plugin in self.plugins():
            for item in plugin.menu:
                heading = item.heading or plugin.config.menu_heading or DEFAULT_HEADING
                if allowed(item):
                    groups.setdefault(heading, []).append(item)
        return [
            MenuGroup(heading, tuple(sorted(items, key=lambda i: (i.order, i.label))))
            for heading, items in groups.items()
            if items
        ]

    def tabs(self, slot: str) -> list[Tab]:
        found = [tab for plugin in self.plugins() for tab in plugin.tabs if tab.slot == slot]
        return sorted(found, key=lambda tab: (tab.order, tab.title))

    def customer_data(self) -> list[tuple[str, CustomerData]]:
        """Every installed plug-in's parts of a customer's data, with the plug-in's label, in
        the order they are exported and erased."""
        found = [(p.label, part) for p in self.plugins() for part in p.customer_data]
        return sorted(found, key=lambda entry: (entry[1].order, entry[1].name))

    def widgets(self) -> list[Widget]:
        found = [widget for plugin in self.plugins() for widget in plugin.widgets]
        return sorted(found, key=lambda widget: (widget.order, widget.title))


registry = Registry()
