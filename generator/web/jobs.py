"""Cohort generation in the background: each job is its own process (started in a new session), running the
existing batch code, so a closed browser or a restarted server neither stops nor corrupts it; progress is written
to the job's row as it goes. Run as `python -m generator.web.jobs OPTIONS_JSON JOB_ID`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

JOBS = ".web-jobs"


def job_dir(store_dir: Path, job_id: int) -> Path:
    return Path(store_dir) / JOBS / str(job_id)


def start(job, options: dict) -> None:
    """Start a job's process; it outlives the request (and the server)."""
    folder = job_dir(options["store_dir"], job.pk)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    with (folder / "job.log").open("ab") as log:
        process = subprocess.Popen([sys.executable, "-m", "generator.web.jobs", json.dumps(options), str(job.pk)],
                                   stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
                                   close_fds=True)
    # reap it when it ends (the job itself does not depend on this process: it was started in its own session)
    threading.Thread(target=process.wait, daemon=True).start()
    job.pid = process.pid
    job.save(update_fields=["pid"])


def run(options: dict, job_id: int) -> int:
    from .settings import configure

    store_dir = Path(options.pop("store_dir"))
    configure(store_dir, **options)
    from django.utils import timezone

    from ..cohort.batch import BatchSettings, default_workers, run_batch
    from ..cohort.sheets import count_rows, read_cohort, read_store
    from ..core.errors import PepError
    from ..signing.keys import KeyRing
    from .models import CohortJob

    job = CohortJob.objects.get(pk=job_id)
    folder = job_dir(store_dir, job_id)
    out = folder / "out"
    try:
        formats = tuple(job.formats.split(","))
        batch_options: dict = {"zip_per_school": True}
        if "form" in formats:
            batch_options["keys"] = KeyRing.load(Path(options["key_file"]) if options.get("key_file") else None)
            batch_options["keys"].current()
        if job.source == "sheet":
            sheet = next(folder.glob("cohort.*"))
            rows, total = read_cohort(sheet, job.authority, job.variant), count_rows(sheet) or 0
        else:
            from ..store.database import Store

            with Store.open(store_dir) as store:
                total = sum(1 for c in store.children() if c["authority"] == job.authority)
            rows = read_store(store_dir, job.authority, job.variant)
        job.status, job.total, job.pid = "running", total, os.getpid()
        job.save(update_fields=["status", "total", "pid"])
        last = [0.0]

        def progress(summary) -> None:
            now = time.monotonic()
            if now - last[0] < 0.25:
                return
            last[0] = now
            CohortJob.objects.filter(pk=job_id).update(done=summary.rows, written=summary.written,
                                                       skipped=summary.skipped, bad_rows=len(summary.bad_rows))

        settings = BatchSettings(job.authority, job.variant, formats, out, job.audience, False,
                                 min(2, default_workers()), batch_options)
        summary = run_batch(rows, settings, progress)
        job.refresh_from_db()
        job.done, job.written, job.skipped, job.bad_rows = summary.rows, summary.written, summary.skipped, len(
            summary.bad_rows)
        job.zips = [p.name for p in summary.zips]
        job.total = max(job.total, summary.rows)
        job.status = "done" if not summary.interrupted else "failed"
        job.message = (f"{summary.rows} children: {summary.written} files written, {summary.skipped} already done, "
                       f"{len(summary.bad_rows)} with problems (see batch-errors.csv), in {summary.seconds:.1f} s.")
    except (PepError, OSError, StopIteration) as err:
        job.status, job.message = "failed", f"The cohort could not be generated: {err}"
    job.finished = timezone.now()
    job.save()
    return 0 if job.status == "done" else 1


if __name__ == "__main__":
    sys.exit(run(json.loads(sys.argv[1]), int(sys.argv[2])))
