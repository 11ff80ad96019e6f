"""The sample plug-in's job: counts the tenant's notes in batches (the jobs framework's tests)."""

import time
from typing import Annotated

from msgspec import Meta

from csadmin.pluginlib.jobs import JobInputs, job
from tests.sample_plugin.models import Note


class CountNotesInputs(JobInputs):
    batch: Annotated[int, Meta(ge=1)] = 2  # notes per batch
    sleep: Annotated[float, Meta(ge=0)] = 0.0  # seconds per batch
    fail_after: Annotated[int, Meta(ge=0)] | None = None  # raise once this many are counted
    output: bool = True  # write notes.txt


@job("sample.count_notes", inputs=CountNotesInputs)
def count_notes(handle):
    batch, pause = handle.inputs.batch, handle.inputs.sleep
    fail_after = handle.inputs.fail_after
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
        if fail_after is not None and done >= fail_after:
            raise RuntimeError(f"asked to fail after {done} notes")
        if pause:
            time.sleep(pause)
        done, last_id = done + len(rows), rows[-1][0]
        texts.extend(text for _id, text in rows)
        handle.count(notes=len(rows))
        handle.progress(done, total)
    if handle.inputs.output:
        handle.add_file("notes.txt", "\n".join(texts).encode())
    handle.log("info", f"Counted {done} notes.")
