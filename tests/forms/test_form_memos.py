"""What a fill works out once per plan or per process is what it would work out each time, byte for byte."""

from __future__ import annotations

import weasyprint
from conftest import load_sample

from generator import __version__
from generator.forms import cache as form_cache
from generator.forms import layout as form_layout
from generator.forms.font import font_key
from generator.forms.plan import plan_form
from generator.pipeline.generate import prepare


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
