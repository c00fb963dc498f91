"""Every JSON Lines writer escapes what some readers take for a line break (and lone surrogates)."""

from __future__ import annotations

import json
from decimal import Decimal

from generator.cli.common import to_json
from generator.cohort.batch import JOURNAL, append_journal
from generator.core.jsonlines import json_line, json_text

AWKWARD = "a\x85b\u2028c\u2029d\ud800e — Siân"


def test_a_value_with_nel_line_and_paragraph_separators_is_one_line():
    text = json_line({"value": AWKWARD, "money": Decimal("360.00")})
    assert len(text.splitlines()) == 1
    assert "\\u0085" in text
    assert "\\u2028" in text
    assert "\\u2029" in text
    assert "Siân" in text  # other non-ASCII stays as it is
    assert json.loads(text) == {"value": AWKWARD, "money": "360.00"}
    text.encode("utf-8")  # a lone surrogate is escaped, so the line can be written


def test_the_cli_and_the_batch_journal_use_it(tmp_path):
    assert to_json({"v": AWKWARD}) == json_text({"v": AWKWARD})
    assert len(to_json({"v": AWKWARD}, indent=2).splitlines()) == 3
    append_journal(tmp_path, [{"file": AWKWARD}, {"file": "second"}])
    lines = [line for line in (tmp_path / JOURNAL).read_text(encoding="utf-8").splitlines() if line]
    assert [json.loads(line)["file"] for line in lines] == [AWKWARD, "second"]
