"""The bounded reader: worker limits (time, memory, crashes) and every hostile or broken PDF refused with a reason."""

from __future__ import annotations

import time

import pytest
from clients import hostile
from clients.formkit import build_form

from generator.ingest.returns import READER
from generator.ingest.safety import Limits, WorkerPool

TASK = "clients.tasks:behave"


@pytest.fixture(scope="module")
def pool():
    with WorkerPool(TASK, 1, Limits(seconds=2, memory_bytes=256 * 1024 * 1024)) as pool:
        yield pool


@pytest.fixture(scope="module")
def reader():
    with WorkerPool(READER, 1, Limits(seconds=10)) as pool:
        yield pool


def test_pool__results_in_input_order_from_a_long_lived_worker(pool):
    outcomes = list(pool.map([("echo", i) for i in range(20)]))
    assert [o.value[1] for o in outcomes] == list(range(20))
    assert len({o.value[2] for o in outcomes}) == 1  # one process served them all


def test_pool__two_workers_keep_input_order():
    with WorkerPool(TASK, 2) as pool:
        outcomes = list(pool.map([("sleep", 0.2), ("echo", 1), ("echo", 2)]))
    assert [o.value[:2] for o in outcomes] == [("sleep", 0.2), ("echo", 1), ("echo", 2)]
    assert outcomes[0].value[2] != outcomes[1].value[2]


def test_pool__a_task_past_its_time_is_stopped_and_the_batch_goes_on(pool):
    start = time.monotonic()
    outcomes = list(pool.map([("sleep", 60), ("echo", "after")]))
    assert outcomes[0].error == "Reading it took longer than 2 seconds, so it was stopped."
    assert outcomes[1].value[:2] == ("echo", "after")
    assert time.monotonic() - start < 8


def test_pool__memory_is_capped_and_the_worker_replaced(pool):
    outcomes = list(pool.map([("allocate", 32 * 1024 * 1024), ("echo", "after")]))
    assert outcomes[0].error.startswith("Reading it needs more than 256 MB of memory")
    assert outcomes[1].value[:2] == ("echo", "after")


def test_pool__runaway_recursion_is_refused(pool):
    assert pool.run(("recurse", 100_000)).error == "Its objects are nested too deeply to read safely."
    assert pool.run(("echo", 1)).value[1] == 1


def test_pool__a_crashing_reader_is_refused_and_replaced(pool):
    outcomes = list(pool.map([("crash", None), ("echo", "after")]))
    assert "stopped the reader" in outcomes[0].error
    assert outcomes[1].value[:2] == ("echo", "after")


def test_pool__refusals_and_unexpected_errors_are_messages_not_tracebacks(pool):
    assert pool.run(("refuse", "Not today.")).error == "Not today."
    assert pool.run(("fail", "x")).error == "It cannot be read (KeyError)."


HOSTILE = [
    (lambda: b"", "The file is empty."),
    (lambda: b"Dear school, here are our answers.", "It is not a PDF file."),
    (lambda: b"PK\x03\x04" + b"\0" * 100, "It is not a PDF file (it looks like a Word document or ZIP file)."),
    (hostile.truncated, "It is cut short (no end-of-file marker)"),
    (hostile.corrupt, "It is damaged and cannot be read"),
    (hostile.password_protected, "It is protected with a password pep was not given"),
    (hostile.flattened, "It has no fillable fields left: it is a flattened or printed copy"),
    (hostile.printed, "It has no fillable fields and no pep form data"),
    (hostile.xfa_only, "It is an XFA form"),
    (hostile.javascript_open_action, "It contains JavaScript, which pep never puts in a form; it was not run"),
    (hostile.javascript_names, "It contains JavaScript"),
    (hostile.javascript_field_action, "It contains JavaScript"),
    (hostile.launch_action, "It contains an action that launches a program or opens a file"),
    (hostile.manifest_bomb, "Its pep form data expands to more than 2 MB (a decompression bomb?)"),
    (hostile.value_bomb, "Its text value expands to more than 1 MB (a decompression bomb?)"),
    (hostile.object_stream_bomb, "Part of it is larger or more deeply nested than any real form"),
    (hostile.huge_declared_length, "Part of it is larger or more deeply nested than any real form"),
    (hostile.field_cycle, "Its form fields refer to each other in a loop"),
    (hostile.page_tree_cycle, "Its pages refer to each other in a loop"),
    (hostile.deep_nesting, "Its objects are nested too deeply to read safely"),
    (hostile.many_fields, "It has more than 50,000 form, annotation or name-tree objects"),
]


@pytest.mark.parametrize(("build", "message"), HOSTILE, ids=[
    "empty", "text", "zip", "truncated", "corrupt", "password", "flattened", "printed", "xfa", "js-open-action",
    "js-names", "js-field-action", "launch", "manifest-bomb", "value-bomb", "object-stream-bomb",
    "huge-declared-length", "field-cycle", "page-cycle", "deep-nesting", "many-fields"])
def test_reader__hostile_files_are_refused_in_bounded_time(reader, build, message):
    data = build()
    start = time.monotonic()
    outcome = reader.run(data)
    assert outcome.value is None
    assert outcome.error.startswith(message)
    assert time.monotonic() - start < 5


def test_reader__a_harmless_action_loop_is_read(reader):
    outcome = reader.run(hostile.action_cycle())
    assert outcome.error is None
    assert outcome.value["fields"]["a"]["value"] == "x"


def test_reader__an_owner_password_alone_does_not_stop_reading(reader):
    outcome = reader.run(hostile.owner_password_only())
    assert outcome.error is None
    assert outcome.value["fields"]["child_first_name"]["value"] == "Zoë"


def test_reader__one_bad_file_never_stops_a_batch(reader):
    good = build_form()
    outcomes = list(reader.map([good, hostile.deep_nesting(), b"junk", hostile.field_cycle(), good]))
    assert [o.error is None for o in outcomes] == [True, False, False, False, True]


def test_pool__reports_each_workers_peak_memory(pool):
    [peak] = pool.peak_memory()
    assert 10 * 1024 * 1024 < peak < 2 * 1024 * 1024 * 1024
