"""Every variant with a form: its blank form, filled in as a school (or a child) would — with pypdf and with PDFium —
is accepted and matched to the right child in a store holding that child and 100 others (by the social care id
typed, or by name and date of birth when there is none); with nobody to match it is kept as `unmatched` and can be
assigned."""

from __future__ import annotations

import copy
import datetime as dt
import json
import shutil
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest
from clients import pdfium_fill, pypdf_fill
from clients.formkit import KEY, keyring

from data_schemas import IDENTITY_PATHS, template_of, value_at
from generator.authority.profiles import authorities
from generator.ingest.reader import read_returned
from generator.ingest.returns import IngestResult, evaluate
from generator.pipeline.generate import prepare, render
from generator.signing.manifest import Manifest
from generator.store.database import Store

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
KEYS = keyring(KEY)
ANSWER = "Written on the blank form — ŵŷ, Łódź."
FIRST = ["Amira", "Ben", "Chloé", "Dylan", "Ewa", "Ffion", "Gareth", "Hana", "Isaac", "Jade"]
SURNAMES = ["Ahmed", "Brown", "Ó Briain-Kowalczyk", "Davies", "Evans", "Nowak", "Green", "Hughes", "Ito", "Jones"]


def variants() -> list[tuple[str, str]]:
    return [(a, v) for a, profile in authorities().items() for v, variant in profile.variants.items()
            if "form" in variant.formats]


VARIANTS = variants()
IDS = [f"{a}-{v}" for a, v in VARIANTS]


@cache
def child_record(authority: str) -> dict:
    """The authority's sample child (its first record sample)."""
    path = sorted(p for p in (ROOT / "samples" / authority).glob("*.json") if not p.name.startswith("views"))[0]
    return json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)


def others(authority: str, child: dict) -> list[dict]:
    """100 other children, among them some with the same name (another birthday), the same birthday (another name)
    and one with the same name and birthday in another authority."""
    ident = child["child"]
    variant = child["pep"]["variant"]
    born = dt.date.fromisoformat(ident["date_of_birth"])
    out = []
    for i in range(100):
        first, surname = FIRST[i % 10], SURNAMES[(i // 10) % 10]
        dob = (born + dt.timedelta(days=37 * (i + 1))).isoformat()
        if i % 25 == 0:
            first, surname = ident["first_name"], ident["surname"]  # same name, another birthday
        elif i % 25 == 1:
            dob = ident["date_of_birth"]  # same birthday, another name
        out.append({"pep": {"authority": authority, "variant": variant},
                    "child": {"social_care_id": f"OTHER-{i:03d}", "first_name": first, "surname": surname,
                              "date_of_birth": dob}})
    twin_authority = next(a for a in authorities() if a != authority)
    twin_variant = next(v for v, var in authorities()[twin_authority].variants.items() if var.kind != "views")
    out.append({"pep": {"authority": twin_authority, "variant": twin_variant},
                "child": {"social_care_id": "TWIN-001", "first_name": ident["first_name"],
                          "surname": ident["surname"], "date_of_birth": ident["date_of_birth"]}})
    return out


@pytest.fixture(scope="module")
def stores(tmp_path_factory) -> dict[str, Path]:
    """Per authority, a store holding its sample child and 100 others (copied for each test)."""
    out = {}
    for authority in authorities():
        root = tmp_path_factory.mktemp(f"store-{authority}")
        with Store.open(root, create=True) as store:
            for record in [*others(authority, child_record(authority)), child_record(authority)]:
                store.put(copy.deepcopy(record), "import")
        out[authority] = root
    return out


@pytest.fixture
def store_for(stores, tmp_path):
    def make(authority: str) -> Store:
        root = tmp_path / "store"
        shutil.copytree(stores[authority], root)
        return Store.open(root)

    return make


@cache
def blank(authority: str, variant: str) -> tuple[bytes, Manifest]:
    request = prepare(authority, variant, "form", None, "school", options={"keys": KEYS, "issue_date": "2026-01-12"})
    data = render(request)
    return data, Manifest.from_bytes(read_returned(data)["manifest"])


def school_values(authority: str, variant: str, *, with_id: bool = True, with_dob: bool = True) -> dict:
    """What a school types into the blank form: who the child is (the date of birth as UK schools write it), the
    URN where the form has it, and one answer."""
    _, manifest = blank(authority, variant)
    child = child_record(authority)
    values, answer = {}, None
    for spec in manifest.fields:
        template = template_of(spec.path)
        if template in IDENTITY_PATHS:
            assert not spec.readonly, f"{spec.path} is read-only on the blank form"
            value = value_at(child, spec.path)
            if template == "child.social_care_id" and not with_id:
                continue
            if template == "child.date_of_birth":
                if not with_dob:
                    continue
                value = dt.date.fromisoformat(value).strftime("%d/%m/%Y")
            if template == "education.setting.urn":
                value = value or "140999"
            values[spec.name] = value
        elif (answer is None and not spec.readonly and spec.type in ("text", "multiline")
              and not any(p.isdigit() for p in spec.path.split(".")) and _free_text(spec.path)):
            answer = spec
            values[spec.name] = ANSWER
    assert answer is not None, "no field for an answer"
    assert {"child.social_care_id", "child.first_name", "child.surname", "child.date_of_birth"} <= {
        template_of(s.path) for s in manifest.fields}, "the blank form does not ask who the child is"
    return values | {"_answer": answer.path}


def _free_text(path: str) -> bool:
    from data_schemas import field_info, question_bank

    if ".answers." in path:
        question = question_bank().get(path.rsplit(".", 1)[1])
        return bool(question and question.is_free_text)
    info = field_info(path)
    return bool(info and info.type == "string" and info.widget in ("text", "multiline") and not info.options
                and path not in IDENTITY_PATHS and not path.endswith(("email", "phone", "urn", "dfe_number", "upn",
                                                                        "uln", "time")))


def returned(store: Store, data: bytes, source: str) -> IngestResult:
    import hashlib

    result = evaluate(source, read_returned(data), KEYS, hashlib.sha256(data).hexdigest())
    return store.ingest(result, data)


@pytest.mark.parametrize(("authority", "variant"), VARIANTS, ids=IDS)
def test_pypdf_fill_with_the_id_is_matched_by_social_care_id(authority, variant, store_for):
    data, _ = blank(authority, variant)
    values = school_values(authority, variant)
    answer = values.pop("_answer")
    child = child_record(authority)["child"]["social_care_id"]
    with store_for(authority) as store:
        result = returned(store, pypdf_fill.fill(data, values), "pypdf")
        assert result.status == "accepted", result.errors[:5]
        assert result.match == {"child": child, "by": "social_care_id"}
        assert result.stored == "version"
        assert value_at(store.current(child).record, answer) == ANSWER
        assert store.current(child).record["child"]["first_name"] == child_record(authority)["child"]["first_name"]


@pytest.mark.parametrize(("authority", "variant"), VARIANTS, ids=IDS)
def test_pdfium_fill_without_the_id_is_matched_by_name_and_date_of_birth(authority, variant, store_for):
    data, _ = blank(authority, variant)
    values = school_values(authority, variant, with_id=False)
    answer = values.pop("_answer")
    child = child_record(authority)["child"]["social_care_id"]
    with store_for(authority) as store:
        result = returned(store, pdfium_fill.fill(data, values), "pdfium")
        assert result.status == "accepted", result.errors[:5]
        assert result.match == {"child": child, "by": "name_and_date_of_birth"}
        assert result.record["child"]["social_care_id"] == child
        assert value_at(store.current(child).record, answer) == ANSWER


@pytest.mark.parametrize(("authority", "variant"), VARIANTS, ids=IDS)
def test_a_name_alone_is_unmatched_and_can_be_assigned(authority, variant, store_for):
    data, _ = blank(authority, variant)
    values = school_values(authority, variant, with_id=False, with_dob=False)
    answer = values.pop("_answer")
    child = child_record(authority)["child"]["social_care_id"]
    with store_for(authority) as store:
        before = store.current(child).version
        result = returned(store, pdfium_fill.fill(data, values), "pdfium")
        assert result.match is None
        assert result.stored == "unmatched"
        assert store.current(child).version == before
        [entry] = store.unmatched()
        assert entry["id"] == result.unmatched_id
        assert (store.root / entry["original"]).is_file()
        assigned = store.assign(entry["id"], child, actor="test")
        assert assigned.status == "accepted", assigned.errors[:5]
        assert assigned.stored_version == before + 1
        assert value_at(store.current(child).record, answer) == ANSWER
        assert store.unmatched() == []
