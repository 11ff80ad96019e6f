"""The services plug-in's face for the maintenance plug-in: its bulk paths, which the API never
takes. Maintenance imports services through this module (and `services`, `selectors`) only.

- the import: each row checked by the API's own rules (`import_*_row`, RowProblems; rows.py
  holds the full checks and the fast one-pass check of a plain row side by side; a full
  service of the stream, with its states and tasks nested, is put back into those rows and
  checked by them), then loaded a batch at a time (`import_*_batch`: COPY on PostgreSQL, a
  full service with its children in one transaction; loading.py);
- the purge: what an operation selects, counted or read by batches of ids, and one batch
  deleted per short transaction (purge.py);
- the export: `bulk.export`, its selection, ids, chunks of rows and the full JSON text rendered
  by PostgreSQL (its functions and chunk sizes are read as attributes of that module);
- what maintenance reads and writes them with: timestamps and the API's row dicts.
"""

from plugins.services.bulk import export
from plugins.services.bulk.loading import (
    import_full_services_batch,
    import_services_batch,
    import_states_batch,
    import_tasks_batch,
    refresh_service_statistics,
)
from plugins.services.bulk.purge import (
    PURGE_OPERATIONS,
    id_batches,
    purge_batch,
    purge_dry_counts,
    purge_id_batches,
    purge_preview,
    purge_selection,
)
from plugins.services.bulk.rows import (
    FullService,
    RowProblems,
    import_full_service_row,
    import_known_values,
    import_service_row,
    import_state_row,
    import_task_row,
    is_full_service,
)
from plugins.services.events import parse_timestamp
from plugins.services.representation import full_service_dict, service_dict, state_dict, task_dict

__all__ = [
    "PURGE_OPERATIONS",
    "FullService",
    "RowProblems",
    "export",
    "full_service_dict",
    "id_batches",
    "import_full_service_row",
    "import_full_services_batch",
    "import_known_values",
    "import_service_row",
    "import_services_batch",
    "import_state_row",
    "import_states_batch",
    "import_task_row",
    "import_tasks_batch",
    "is_full_service",
    "parse_timestamp",
    "purge_batch",
    "purge_dry_counts",
    "purge_id_batches",
    "purge_preview",
    "purge_selection",
    "refresh_service_statistics",
    "service_dict",
    "state_dict",
    "task_dict",
]
