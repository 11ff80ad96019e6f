"""The sample plug-in's job: counts the tenant's notes in batches, for the jobs framework's tests.

Arguments: batch (notes per batch, default 2), sleep (seconds per batch, default 0),
fail_after (raise once this many notes are counted), output (write notes.txt, default true).
"""

import time

from csadmin.jobs import job
from tests.sample_plugin.models import Note


@job("sample.count_notes")
def count_notes(handle):
    batch = int(handle.arguments.get("batch", 2))
    pause = float(handle.arguments.get("sleep", 0))
    fail_after = handle.arguments.get("fail_after")
    notes = Note.objects.filter(tenant=handle.tenant).order_by("id")
    total = notes.count()
    handle.progress(0, total)
    handle.log("info", f"Counting {total} notes in batches of {batch}.")
    done, last_id, texts = 0, 0, []
    while True:
        handle.check_cancelled()
        rows = list(notes.filter(id__gt=last_id).values_list("id", "text")[:batch])
        if not rows:
            break
        if fail_after is not None and done >= int(fail_after):
            raise RuntimeError(f"asked to fail after {done} notes")
        if pause:
            time.sleep(pause)
        done, last_id = done + len(rows), rows[-1][0]
        texts.extend(text for _id, text in rows)
        handle.count(notes=len(rows))
        handle.progress(done, total)
    if handle.arguments.get("output", True):
        handle.add_file("notes.txt", "\n".join(texts).encode())
    handle.log("info", f"Counted {done} notes.")
