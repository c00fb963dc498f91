"""`pep serve` server time against one store of 2,000 invented children: the children list, a child's page and a
form download (median and p95), and an upload of returned forms end to end beside `pep ingest --store` on the
same files (forms per second, and the ratio).

Run: .venv/bin/python bench/bench_web.py [--children 2000] [--forms 100]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from clients.pypdf_fill import fill  # noqa: E402

from generator.ingest.fields import read_form  # noqa: E402
from generator.signing.keys import new_key  # noqa: E402
from generator.web.demo import BASES, DEMO_AS_OF, fill_store  # noqa: E402
from generator.web.settings import configure  # noqa: E402

TARGET_MS, TARGET_RATIO = 50, 1.3


def timed(client, urls: list[str]) -> list[float]:
    out = []
    for url in urls:
        started = time.perf_counter()
        response = client.get(url)
        out.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return out


def report(name: str, ms: list[float]) -> float:
    ms = sorted(ms)
    p95 = ms[max(0, int(len(ms) * 0.95) - 1)]
    print(f"{name:<28} median {statistics.median(ms):6.1f} ms   p95 {p95:6.1f} ms   ({len(ms)} requests)")
    return p95


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--children", type=int, default=2000)
    parser.add_argument("--forms", type=int, default=100)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="pep-bench-web-"))
    try:
        store = work / "store"
        started = time.perf_counter()
        per = max(1, args.children // len(BASES))
        count = fill_store(store, per)
        print(f"store: {count} children in {time.perf_counter() - started:.1f} s")
        key_file = work / "keys.json"
        new_key(key_file)
        os.environ["PEP_KEY_FILE"] = str(key_file)
        configure(store, key_file=key_file, as_of=DEMO_AS_OF)
        from django.contrib.auth.models import User
        from django.core.files.uploadedfile import SimpleUploadedFile
        from django.test import Client

        from generator.web.accounts import add
        from generator.web.library import INDEX

        add("bench.vs", "virtual_school", "walsall", password="bench password 2026")
        client = Client()
        client.force_login(User.objects.get(username="bench.vs"))
        started = time.perf_counter()
        INDEX.all()
        print(f"index of {count} children built once in {time.perf_counter() - started:.1f} s (then kept by version)")
        ids = [f"WS-{90000 + n}" for n in range(per)]
        timed(client, ["/children/", f"/children/{ids[0]}/"])  # warm up
        pages = (per + 24) // 25
        list_p95 = report("children list (400 of 2000)", timed(client, [f"/children/?page={1 + n % pages}"
                                                                          for n in range(60)]))
        report("children list, filtered", timed(client, [f"/children/?school=140123&due=overdue&q={n}"
                                                         for n in range(30)]))
        child_p95 = report("child page", timed(client, [f"/children/{ids[n % per]}/" for n in range(60)]))
        form_urls = [f"/children/{ids[n % per]}/download/form/school/" for n in range(30)]
        timed(client, form_urls[:1])  # the layout is rendered once and cached
        report("form download", timed(client, form_urls))
        # returned forms: prefilled school forms, each with one answer changed
        returned = work / "returned"
        returned.mkdir()
        files = []
        for n in range(args.forms):
            data = client.get(f"/children/{ids[n % per]}/download/form/school/").content
            spec = next(s for s in read_form(data).manifest.fields if not s.readonly and s.type == "multiline")
            path = returned / f"return-{n:03d}.pdf"
            path.write_bytes(fill(data, {spec.name: f"Answer {n} typed by the school"}))
            files.append(path)
        cli_store = work / "cli-store"
        shutil.copytree(store, cli_store)
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "generator", "ingest", *map(str, files), "--store",
                               str(cli_store), "--json"], capture_output=True, text=True,
                              env={**os.environ, "PEP_KEY_FILE": str(key_file)})
        cli = time.perf_counter() - started
        accepted_cli = done.stdout.count('"status": "accepted"')
        uploads = [SimpleUploadedFile(p.name, p.read_bytes(), "application/pdf") for p in files]
        started = time.perf_counter()
        response = client.post("/returns/", {"forms": uploads}, follow=True)
        web = time.perf_counter() - started
        page = response.content.decode()
        accepted_web = f"{args.forms} accepted" in page
        print(f"upload of {args.forms} forms (web)   {web:6.2f} s = {args.forms / web:5.1f} forms/s "
              f"(all accepted: {accepted_web})")
        print(f"pep ingest --store, same     {cli:6.2f} s = {args.forms / cli:5.1f} forms/s "
              f"({accepted_cli} accepted; a fresh process with its start-up)")
        ratio = web / cli
        print(f"ratio web / CLI: {ratio:.2f}x (target <= {TARGET_RATIO}x); list p95 {list_p95:.1f} ms, child p95 "
              f"{child_p95:.1f} ms (target <= {TARGET_MS} ms)")
        from generator.web.returns import close_pool

        close_pool()
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
