"""What a fill works out once per plan or per process is what it would work out each time, byte for byte."""

from __future__ import annotations

import random
import threading
import zlib
from concurrent.futures import ThreadPoolExecutor

import weasyprint
from conftest import load_sample

from generator import __version__
from generator.forms import cache as form_cache
from generator.forms import fill
from generator.forms import layout as form_layout
from generator.forms.appearance import MAX_KEPT_TEXT, _text_stream, remember, text_stream
from generator.forms.fill import deflate
from generator.forms.font import font_key, form_font
from generator.forms.plan import plan_form
from generator.pipeline.generate import prepare, render
from generator.signing.keys import KeyRing, SigningKey


def _plan(record):
    request = prepare("walsall", "pep", "form", record)
    return request, plan_form(request.profile, request.variant, request.model.audience, request.record)


def test_layout_key__is_the_cache_key_of_everything_the_layout_depends_on():
    _, plan = _plan(load_sample("walsall", "pep"))
    fields = [[f.name, f.spec.type, f.spec.readonly, list(f.spec.options), f.size, f.lines, f.label]
              for f in plan.fields]
    whole = form_cache.cache_key({"layout": form_layout.LAYOUT_VERSION, "pep": __version__,
                                  "code": form_layout._code_digest(), "weasyprint": weasyprint.__version__,
                                  "templates": form_layout.template_files("walsall"), "font": font_key(),
                                  "doc": plan.doc, "fields": fields})
    assert form_layout.layout_key("walsall", plan) == whole
    assert form_layout.layout_key("walsall", plan) == whole  # and again, from what the plan kept


def test_layout_key__differs_for_plans_with_other_slots():
    record = load_sample("walsall", "pep")
    _, plan = _plan(record)
    _, blank = _plan(None)
    assert form_layout.layout_key("walsall", plan) != form_layout.layout_key("walsall", blank)


def test_deflate__with_a_shared_prefix_is_zlib_compress_of_the_whole():
    rnd = random.Random(16)
    words = ["name", "path", "readonly", "true", '"', "é", "ŵ", ",", ":", "targets_0_ppg"]
    for size in (0, 10, 1000, 40_000, 120_000):
        data = "".join(rnd.choice(words) for _ in range(size // 4)).encode()
        for cut in {0, len(data) // 3, len(data)}:
            for _ in range(2):  # the second time from the kept compressor
                assert deflate(data, 9, data[:cut]) == zlib.compress(data, 9)
    assert deflate(b"abc", 9, b"xyz") == zlib.compress(b"abc", 9)


def test_text_streams__a_kept_one_is_the_one_drawn_again():
    font = form_font()
    cases = (("Siân Ŵyn", 120.0, 14.0, 9.0, False), ("an answer " * 19, 200.0, 60.0, 9.0, True),
             ("", 1.0, 1.0, 9.0, False), ("a long answer " * 40, 200.0, 60.0, 9.0, True))
    for args in cases:
        first = text_stream(font, *args, "0.1 0.1 0.1")
        again = text_stream(font, *args, "0.1 0.1 0.1")
        assert first == again == _text_stream(font, *args, "0.1 0.1 0.1")
        assert (again is first) == (len(args[0]) <= MAX_KEPT_TEXT)


def test_remember__keeps_the_most_recently_used_up_to_its_limit_and_is_shared_by_threads():
    memo: dict = {}
    for n in range(5):
        assert remember(memo, n, lambda n=n: str(n), limit=3) == str(n)
    assert list(memo) == [2, 3, 4]
    remember(memo, 2, lambda: "new", limit=3)  # a hit: kept, now the most recent
    assert list(memo) == [3, 4, 2]
    assert memo[2] == "2"

    shared: dict = {}
    errors = []

    def work(offset):
        try:
            for n in range(20_000):
                key = (n * 7 + offset) % 300
                assert remember(shared, key, lambda key=key: key * 2, limit=50) == key * 2
        except Exception as err:
            errors.append(err)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(shared) <= 54


def test_threads_filling_one_layout_at_once_each_get_their_own_childs_form():
    keys = KeyRing([SigningKey("test-threads", bytes(range(32)))], "test-threads", "test")

    def make(record: dict) -> bytes:
        options = {"keys": keys, "issue_date": "2026-01-12"}
        return render(prepare("walsall", "pep", "form", record, options=options))

    records = []
    for n in range(6):
        record = load_sample("walsall", "pep")
        record["child"]["social_care_id"] = f"WS-TH-{n:06d}"
        records.append(record)
    fill._INDEXES.clear()
    alone = [make(r) for r in records]
    fill._INDEXES.clear()  # every thread starts on a layout whose reader has parsed nothing yet
    with ThreadPoolExecutor(3) as pool:
        together = list(pool.map(make, records * 2))
    assert together == alone * 2
