"""Fillable forms for every authority × variant: field map, prefill, fonts, rendering, wrapping, round trips."""

from __future__ import annotations

import copy
import io
import json
import os
import re
import subprocess
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from conftest import ROOT, SAMPLES
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject

from generator.authority.profiles import authorities
from generator.forms import cache as form_cache
from generator.forms.issue import field_value
from generator.forms.plan import plan_form
from generator.ingest.fields import read_form
from generator.pipeline.generate import prepare, render
from generator.signing.keys import KeyRing, SigningKey
from generator.signing.manifest import MANIFEST_NAME, Manifest

KEY = SigningKey("test-2025", bytes(range(32)))
KEYS = KeyRing([KEY], KEY.id, "test")
ISSUE = "2025-10-01"
WELSH_POLISH_IRISH = "Siân Ŵyn ap Rhys, Zażółć gęślą jaźń, Seán Ó Briain — “£5 & <more>”"


@pytest.fixture(scope="module", autouse=True)
def form_cache_dir():
    """Layouts are cached across test runs (keyed by content, so a change to a template makes a new one)."""
    before = os.environ.get(form_cache.ENV_CACHE)
    os.environ[form_cache.ENV_CACHE] = str(ROOT / ".pytest_cache" / "pep")
    yield
    if before is None:
        os.environ.pop(form_cache.ENV_CACHE, None)
    else:
        os.environ[form_cache.ENV_CACHE] = before


def form_variants() -> list[tuple[str, str]]:
    return [(p.id, v.id) for p in authorities().values() for v in p.variants.values() if "form" in v.formats]


def sample(authority: str, variant: str) -> dict | None:
    path = SAMPLES / authority / f"{variant}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def make(authority: str, variant: str, data: dict | None, **options) -> bytes:
    request = prepare(authority, variant, "form", data, options={"keys": KEYS, "issue_date": ISSUE, **options})
    return render(request)


def manifest_of(pdf: bytes) -> Manifest:
    return Manifest.from_bytes(PdfReader(io.BytesIO(pdf)).attachments[MANIFEST_NAME][0])


def pdf_tool(tool: str, pdf: bytes, *args: str) -> str:
    return subprocess.run([tool, *args, "-", "-"] if tool == "pdftotext" else [tool, *args, "-"], input=pdf,
                          capture_output=True, check=True).stdout.decode("utf-8")


@pytest.fixture(scope="module")
def forms() -> dict[tuple[str, str], tuple[dict | None, bytes]]:
    """One form per authority × variant: filled from its sample (blank where there is none)."""
    made = {}
    for authority, variant in form_variants():
        data = sample(authority, variant)
        made[(authority, variant)] = (data, make(authority, variant, data))
    return made


@pytest.mark.parametrize(("authority", "variant"), form_variants())
def test_form__field_list_equals_the_signed_map(forms, authority, variant):
    data, pdf = forms[(authority, variant)]
    contents = read_form(pdf)
    specs = {s.name: s for s in contents.manifest.fields}
    assert set(contents.fields) == set(specs)
    kinds = {"text": "text", "multiline": "multiline", "checkbox": "checkbox", "radio": "radio"}
    assert {n: kinds[s.type] for n, s in specs.items()} == {n: f.type for n, f in contents.fields.items()}
    assert all(contents.fields[n].readonly == s.readonly for n, s in specs.items())
    assert all(set(contents.fields[n].options) == set(s.options) for n, s in specs.items() if s.type == "radio")
    assert all(re.fullmatch(r"[a-z0-9_]+", n) for n in specs)
    assert contents.manifest.verify(KEYS) is None
    assert contents.form_id == contents.manifest.identity.form_id
    identity = contents.manifest.identity
    child = (data or {}).get("child", {}).get("social_care_id", "")
    assert (identity.authority, identity.variant, identity.social_care_id, identity.issue_date, identity.key_id) == (
        authority, variant, child, ISSUE, KEY.id)


@pytest.mark.parametrize(("authority", "variant"), form_variants())
def test_form__every_value_of_the_record_is_in_its_field(forms, authority, variant):
    data, pdf = forms[(authority, variant)]
    if data is None:
        pytest.skip("no sample")
    request = prepare(authority, variant, "form", data)
    plan = plan_form(request.profile, request.variant, request.model.audience, request.record)
    contents = read_form(pdf)
    expected = {f.name: field_value(f, request.record) for f in plan.fields}
    assert {n: v.value for n, v in contents.fields.items()} == expected
    prefilled = contents.manifest.prefilled
    assert prefilled == {f.name: expected[f.name] for f in plan.fields if expected[f.name] not in ("", None, False)}
    assert sum(1 for v in expected.values() if v not in ("", False)) > 5


@pytest.mark.parametrize(("authority", "variant"), form_variants())
def test_form__fonts_embedded_pages_render_and_sample_values_show(forms, authority, variant):
    data, pdf = forms[(authority, variant)]
    fonts = pdf_tool("pdffonts", pdf).splitlines()[2:]
    assert fonts
    assert all(line.split()[-5] == "yes" for line in fonts), fonts  # the "emb" column
    document = pdfium.PdfDocument(pdf)
    document.init_forms()  # as Chrome and Edge do: widgets drawn by the form engine
    for page in document:
        image = page.render(scale=0.3, may_draw_forms=True).to_pil().convert("L")
        assert image.getextrema()[0] < 128  # something dark was drawn
    text = pdf_tool("pdftotext", pdf)
    assert read_form(pdf).manifest.identity.authority == authority
    profile = authorities()[authority]
    assert profile.name.split()[0] in text
    if data is not None:
        name = data["child"].get("first_name")
        assert name is None or name in text


def test_form__welsh_polish_and_irish_letters_print_and_read_back(walsall_record):
    record = copy.deepcopy(walsall_record)
    record["child"]["preferred_name"] = "Siân Ŵyn"
    record["education"]["key_adult"] = WELSH_POLISH_IRISH
    pdf = make("walsall", "pep", record)
    text = pdf_tool("pdftotext", pdf)
    assert "Siân Ŵyn" in text
    assert WELSH_POLISH_IRISH in text.replace("\n", " ")
    fields = read_form(pdf).fields
    assert fields["education_key_adult"].value == WELSH_POLISH_IRISH


def multiline_views_question(variant: str = "views-secondary") -> str:
    request = prepare("walsall", variant, "form", None)
    plan = plan_form(request.profile, request.variant, request.model.audience, None)
    return next(f for f in plan.fields if f.spec.type == "multiline" and f.spec.path.startswith("views.answers."))


def test_form__a_2000_character_answer_wraps_inside_its_box():
    question = multiline_views_question()
    words = ["Dw", "i'n", "hoffi", "celf", "a", "cherddoriaeth,", "ond", "mae", "mathemateg", "yn", "anodd",
             "weithiau.", "Zażółć", "gęślą", "jaźń.", "Seán", "Ó", "Briain", "helps", "me", "every", "Tuesday",
             "after", "school."]
    answer = ""
    while len(answer) < 2000:
        answer += words[len(answer) % len(words)] + " "
    answer = answer[:2000].rstrip()
    data = sample("walsall", "views-secondary")
    data["views"].setdefault("answers", {})[question.spec.path.rsplit(".", 1)[1]] = answer
    pdf = make("walsall", "views-secondary", data)
    reader = PdfReader(io.BytesIO(pdf))
    widget = next(ref.get_object() for ref in reader.trailer["/Root"]["/AcroForm"]["/Fields"]
                  if ref.get_object()["/T"] == question.name)
    stream = widget["/AP"]["/N"].get_data().decode("ascii")
    size = float(re.search(r"/PepF ([\d.]+) Tf", stream).group(1))
    leading = float(re.search(r"([\d.]+) TL", stream).group(1))
    lines = len(re.findall(r"Tj", stream))
    x1, y1, x2, y2 = (float(v) for v in widget["/Rect"])
    assert lines >= 8
    assert lines * leading <= (y2 - y1)
    assert size >= 4
    page_number = next(i for i, page in enumerate(reader.pages)
                       if any(a.get_object() == widget for a in page.get("/Annots", ())))
    boxes = pdf_tool("pdftotext", pdf, "-bbox", "-f", str(page_number + 1), "-l", str(page_number + 1))
    height = float(reader.pages[page_number].mediabox.height)
    inside = outside = 0
    for m in re.finditer(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<', boxes):
        left, top, right, bottom = (float(m.group(i)) for i in range(1, 5))
        if m.group(5) not in answer or not (y1 - 1 <= height - bottom and height - top <= y2 + 1):
            continue
        if x1 - 1 <= left and right <= x2 + 1:
            inside += 1
        else:
            outside += 1
    assert inside > 200
    assert outside == 0
    assert read_form(pdf).fields[question.name].value == answer


def test_form__filled_with_pypdf_and_read_back():
    pdf = make("walsall", "views-primary", sample("walsall", "views-primary"))
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    values = {"views_answers_pri_find_hard": "Fractions.\nSpelling long words – ŵ ż ó.",
              "views_answers_pri_best_subjects": "Art, PE", "views_own_words": "/on",
              "views_answers_pri_feel_school": "/sad", "views_attend_meeting": "/none"}
    for page in writer.pages:
        writer.update_page_form_field_values(page, values, auto_regenerate=False)
    out = io.BytesIO()
    writer.write(out)
    fields = read_form(out.getvalue()).fields
    assert fields["views_answers_pri_find_hard"].value == values["views_answers_pri_find_hard"]
    assert fields["views_answers_pri_best_subjects"].value == "Art, PE"
    assert fields["views_own_words"].value is True
    assert fields["views_answers_pri_feel_school"].value == "sad"
    assert fields["views_attend_meeting"].value == "none"


def test_form__same_data_same_bytes_and_the_layout_is_rendered_once(monkeypatch):
    data = sample("walsall", "views-early-years")
    first = make("walsall", "views-early-years", data)
    import weasyprint

    monkeypatch.setattr(weasyprint, "HTML", lambda *a, **k: pytest.fail("the cached layout was not used"))
    assert make("walsall", "views-early-years", data) == first
    form_cache.clear_memory()
    assert make("walsall", "views-early-years", data) == first  # from the disk cache
    other = make("walsall", "views-early-years", data, issue_date="2025-10-02")
    assert other != first
    assert manifest_of(other).identity.form_id != manifest_of(first).identity.form_id


def test_form__tampering_with_the_manifest_breaks_the_signature():
    pdf = make("walsall", "pep", sample("walsall", "pep"))
    manifest = manifest_of(pdf)
    assert manifest.verify(KEYS) is None
    raw = json.loads(manifest.to_bytes())
    raw["prefilled"]["child_first_name"] = "Someone else"
    assert Manifest.from_bytes(json.dumps(raw).encode()).verify(KEYS) is not None
    raw = json.loads(manifest.to_bytes())
    raw["fields"][0]["readonly"] = False
    assert Manifest.from_bytes(json.dumps(raw).encode()).verify(KEYS) is not None
    raw = json.loads(manifest.to_bytes())
    raw["identity"]["social_care_id"] = "WS-99999"
    assert "does not match" in Manifest.from_bytes(json.dumps(raw).encode()).verify(KEYS)
    assert manifest.verify(KeyRing([SigningKey(KEY.id, bytes(32))], KEY.id, "other")) is not None


def test_form__clean_structure_for_every_viewer():
    pdf = make("walsall", "views-primary", sample("walsall", "views-primary"))
    reader = PdfReader(io.BytesIO(pdf))
    acro = reader.trailer["/Root"]["/AcroForm"]
    assert acro["/NeedAppearances"].value is False
    tops = [ref.get_object() for ref in acro["/Fields"]]
    kid_ids = set()
    for field in tops:
        if "/Kids" not in field:
            assert "/N" in field["/AP"]
            continue
        assert isinstance(field["/V"], NameObject)
        assert int(field["/Ff"]) & (1 << 15)
        for kid_ref in field["/Kids"]:
            kid = kid_ref.get_object()
            kid_ids.add(kid_ref.idnum)
            assert not {"/T", "/TU", "/V"} & set(kid)
            states = set(kid["/AP"]["/N"])
            assert "/Off" in states
            assert len(states) == 2
    assert not kid_ids & {ref.idnum for ref in acro["/Fields"]}
    feel = next(f for f in tops if f["/T"] == "views_answers_pri_feel_school")
    assert [next(s for s in k.get_object()["/AP"]["/N"] if s != "/Off") for k in feel["/Kids"]] == [
        "/happy", "/ok", "/sad"]
    # who the child is, the social worker's, is read-only on a prefilled form (editable on a blank one)
    assert {f["/T"] for f in tops if int(f.get("/Ff", 0)) & 1} == {
        "child_first_name", "child_surname", "child_date_of_birth", "child_social_care_id"}


def test_form__read_only_bit_is_ored_into_multiline_fields():
    pdf = make("walsall", "pep", sample("walsall", "pep"))
    fields = {f["/T"]: f for f in (r.get_object() for r in PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/AcroForm"]
                                   ["/Fields"])}
    summary = fields["care_care_plan_summary"]  # the social worker's: printed, read-only, several lines
    assert int(summary["/Ff"]) & 1
    assert int(summary["/Ff"]) & 4096
    assert int(fields["sen_summary"]["/Ff"]) & 4096
    assert not int(fields["sen_summary"]["/Ff"]) & 1


def test_form__views_forms_ask_about_the_meeting_with_faces_for_the_youngest(forms):
    for (authority, variant), (_, pdf) in forms.items():
        if not variant.startswith("views-"):
            continue
        specs = {s.name: s for s in manifest_of(pdf).fields}
        assert specs["views_attend_meeting"].options == ("all", "part", "none"), (authority, variant)
        assert not specs["views_attend_meeting"].readonly
    early = {s.name: s for s in manifest_of(forms[("walsall", "views-early-years")][1]).fields}
    assert early["views_answers_ey_feel_at_setting"].options == ("happy", "ok", "sad")
    primary = {s.name: s for s in manifest_of(forms[("walsall", "views-primary")][1]).fields}
    assert primary["views_answers_pri_happy_scale"].options == tuple(str(n) for n in range(1, 11))
    assert primary["views_answers_pri_house_dreams"].type == "multiline"


def test_form__a_blank_views_form_lets_the_child_write_their_name():
    specs = {s.name: s for s in manifest_of(make("walsall", "views-primary", None)).fields}
    assert not specs["child_first_name"].readonly
    assert manifest_of(make("walsall", "views-primary", None)).identity.social_care_id == ""


def test_form__school_part_prints_what_others_own_read_only(forms):
    data, pdf = forms[("walsall", "pep")]
    specs = {s.name: s for s in manifest_of(pdf).fields}
    assert specs["child_first_name"].readonly
    assert specs["roni_rating"].readonly
    assert not specs["sen_summary"].readonly
    assert not specs["targets_0_target"].readonly
    assert specs["attendance_percentage"].readonly  # pep works it out
    assert manifest_of(pdf).prefilled["child_first_name"] == data["child"]["first_name"]


def test_form__more_items_than_slots_get_enough_slots(walsall_record):
    record = copy.deepcopy(walsall_record)
    profile = authorities()["walsall"]
    slots = profile.form_slots["targets"]
    record["targets"] = [copy.deepcopy(record["targets"][0]) | {"number": i + 1} for i in range(slots + 2)]
    request = prepare("walsall", "pep", "form", record)
    plan = plan_form(request.profile, request.variant, request.model.audience, request.record)
    names = {f.name for f in plan.fields}
    assert f"targets_{slots + 1}_target" in names
    assert f"targets_{slots + 2}_target" not in names
    blank = plan_form(request.profile, request.variant, request.model.audience, None)
    assert f"targets_{slots - 1}_target" in {f.name for f in blank.fields}
    assert f"targets_{slots}_target" not in {f.name for f in blank.fields}


def test_form__password_encrypts_with_aes_256_and_allows_printing(tmp_path):
    pdf = make("walsall", "views-post16", sample("walsall", "views-post16"), password="s3cret-Ŵ")
    (tmp_path / "form.pdf").write_bytes(pdf)
    shown = subprocess.run(["qpdf", "--show-encryption", "--password=s3cret-Ŵ", str(tmp_path / "form.pdf")],
                           capture_output=True, check=False).stdout.decode()
    assert "R = 6" in shown
    assert "AESv3" in shown
    assert "print high resolution: allowed" in shown
    assert "modify forms: allowed" in shown
    assert "modify document assembly: not allowed" in shown
    with pytest.raises(Exception, match="password"):
        read_form(pdf)
    contents = read_form(pdf, password="s3cret-Ŵ")
    assert contents.manifest.verify(KEYS) is None
    assert contents.encrypted


def test_form__no_key_is_a_usage_error(invoke, tmp_path, monkeypatch):
    monkeypatch.delenv("PEP_SIGNING_KEY", raising=False)
    monkeypatch.setenv("PEP_KEY_FILE", str(tmp_path / "none" / "keys.json"))
    result = invoke("generate", "walsall", "views-primary", "--format", "form", "--blank", "-o", tmp_path / "out")
    assert result.exit_code == 2
    assert "No signing key" in result.stderr
    assert "pep key new" in result.stderr
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "none").exists()


def test_form__password_is_refused_for_other_formats(invoke, tmp_path):
    result = invoke("generate", "walsall", "pep", "--format", "pdf", "--blank", "--password", "x", "-o", tmp_path)
    assert result.exit_code == 2
    assert "forms only" in result.stderr


def test_form__demo_signs_with_its_own_demo_key(tmp_path):
    from generator.pipeline.demo import DemoReport, _generate_one
    from generator.signing.keys import demo_key_file

    report = DemoReport()
    _generate_one(report, "walsall", "views-primary", "form", None, tmp_path / "walsall")
    assert report.problems == []
    key_id = manifest_of(report.written[0].read_bytes()).identity.key_id
    assert key_id.startswith("demo-")
    assert demo_key_file(tmp_path).exists()
    assert oct(demo_key_file(tmp_path).stat().st_mode & 0o777) == "0o600"


def test_form__cache_location_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(form_cache.ENV_CACHE, str(tmp_path))
    assert form_cache.cache_dir() == tmp_path / "forms"
    monkeypatch.setenv(form_cache.ENV_CACHE, "off")
    assert form_cache.cache_dir() is None
    monkeypatch.delenv(form_cache.ENV_CACHE)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert form_cache.cache_dir() == Path(tmp_path / "xdg" / "pep" / "forms")


CLIENT_VALUES = {"views_answers_pri_find_hard": "Fractions.\nSpelling ŵ ż ó long words", "views_own_words": True,
                 "views_answers_pri_feel_school": "sad", "views_answers_pri_happy_scale": "7",
                 "views_attend_meeting": "none"}


def read_back(data: bytes) -> dict:
    fields = read_form(data).fields
    return {name: fields[name].value for name in CLIENT_VALUES}


def test_form__chrome_and_edge_engine_fills_it_and_every_value_reads_back():
    from clients.pdfium_fill import fill

    filled = fill(make("walsall", "views-primary", sample("walsall", "views-primary")), CLIENT_VALUES)
    assert read_back(filled) == CLIENT_VALUES


@pytest.mark.slow
def test_form__firefox_engine_and_pdftk_fill_it_and_every_value_reads_back(tmp_path):
    from clients.pdftk_fill import fill as pdftk_fill

    pdf = make("walsall", "views-primary", sample("walsall", "views-primary"))
    source, output = tmp_path / "in.pdf", tmp_path / "pdfjs.pdf"
    source.write_bytes(pdf)
    jobs = tmp_path / "jobs.json"
    jobs.write_text(json.dumps([{"input": str(source), "output": str(output), "values": CLIENT_VALUES}]))
    script = ROOT / "tests" / "clients" / "pdfjs_fill.mjs"
    if subprocess.run(["node", "--version"], capture_output=True, check=False).returncode != 0:
        pytest.skip("node is not installed")
    subprocess.run(["node", str(script), str(jobs)], check=True, capture_output=True)
    assert read_back(output.read_bytes()) == CLIENT_VALUES
    kinds = {"views_answers_pri_find_hard": "multiline", "views_own_words": "checkbox",
             "views_answers_pri_feel_school": "radio", "views_answers_pri_happy_scale": "radio",
             "views_attend_meeting": "radio"}
    for fmt in ("fdf", "xfdf"):
        assert read_back(pdftk_fill(pdf, CLIENT_VALUES, kinds, fmt)) == CLIENT_VALUES
