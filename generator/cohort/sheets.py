"""Reading a cohort for a batch: CSV or Excel sheets whose headers are data paths, or a folder of JSON records."""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from data_schemas import FieldInfo, catalogue, question_bank, set_path, template_of

from ..core.errors import InputError, PepError
from ..core.records import load_json_file

MAX_INDEX = 99
MAX_SHEET_BYTES = 200 * 1024 * 1024
_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_TRUE = {"yes", "y", "true", "1", "x", "✓", "☒"}
_FALSE = {"no", "n", "false", "0", "☐"}


@dataclass
class CohortRow:
    """One child of a cohort: where it came from, the record built from it, and conversion errors."""

    number: int
    source: str
    record: dict | None
    errors: list[tuple[str, str]] = field(default_factory=list)

    @property
    def child_id(self) -> str:
        child = (self.record or {}).get("child") or {}
        value = child.get("social_care_id")
        return value if isinstance(value, str) else ""


def column_info(header: str) -> FieldInfo | None:
    """The field a column header names, or None when it is not a data path a sheet can fill."""
    if not re.fullmatch(r"[a-z0-9_]+(\.[a-z0-9_]+)*", header):
        return None
    if any(part.isdigit() and int(part) > MAX_INDEX for part in header.split(".")):
        return None
    if header.startswith("views.answers."):
        return catalogue()["views.answers"] if header[len("views.answers."):] in question_bank() else None
    info = catalogue().get(template_of(header))
    if info is None or info.kind not in ("leaf", "texts"):
        return None
    return info if header.count(".") == info.path.count(".") else None


def check_headers(headers: list[str], source: str) -> list[FieldInfo]:
    """The field of every column; an InputError naming each column that is not a data path."""
    infos, bad = [], []
    for number, header in enumerate(headers, start=1):
        info = column_info(header.strip())
        if info is None:
            bad.append(f"column {number} {header!r}")
        infos.append(info)
    if bad:
        raise InputError(f"Not data paths: {', '.join(bad)} (see `pep batch template`).", file=source)
    duplicates = sorted({h for h in headers if headers.count(h) > 1})
    if duplicates:
        raise InputError(f"Columns appear twice: {', '.join(duplicates)}.", file=source)
    return infos


def _number(text: str, whole: bool):
    try:
        value = Decimal(text.replace(",", "").lstrip("£").rstrip("%"))
    except InvalidOperation as err:
        raise ValueError(f"Not a number: {text!r}.") from err
    if whole:
        if value != value.to_integral_value():
            raise ValueError(f"Not a whole number: {text!r}.")
        return int(value)
    return value


def _date(value, with_time: bool) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="minutes") if with_time else value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    match = _UK_DATE.match(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
        try:
            return dt.date(year, month, day).isoformat()
        except ValueError as err:
            raise ValueError(f"Not a valid date: {text!r}.") from err
    return text


def _boolean(value) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"Not yes or no: {value!r}.")


def convert_cell(value, info: FieldInfo, header: str):
    """A sheet cell as the record's JSON type; raises ValueError with a plain message."""
    if info.type == "boolean" or (info.type == "answers" and _is_tick(header)):
        return _boolean(value)
    if info.type in ("date", "datetime"):
        return _date(value, info.type == "datetime")
    if info.type in ("integer", "number", "money") and not isinstance(value, str):
        value = Decimal(str(value))
        return int(value) if info.type == "integer" and value == value.to_integral_value() else value
    text = _text(value)
    if info.type == "integer":
        return _number(text, whole=True)
    if info.type in ("number", "money"):
        return _number(text, whole=False)
    if info.type == "texts":
        return [part.strip() for part in re.split(r"[;\n]", text) if part.strip()]
    return text


def _is_tick(header: str) -> bool:
    question = question_bank().get(header.rpartition(".")[2])
    return question is not None and question.answer == "tick"


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def _compact(node):
    """Slots the sheet left empty (columns targets.0.* blank but targets.1.* filled) are left out of lists."""
    if isinstance(node, dict):
        return {k: _compact(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_compact(v) for v in node if v not in ({}, None)]
    return node


def build_record(headers: list[str], infos: list[FieldInfo], values: list, defaults: dict) -> tuple[dict, list]:
    """A nested record from one sheet row; conversion errors by path (the typed text is kept)."""
    flat: dict = {}
    errors = []
    for header, info, value in zip(headers, infos, values, strict=False):
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        try:
            flat_value = convert_cell(value, info, header)
        except ValueError as err:
            errors.append((header, str(err)))
            flat_value = _text(value)
        set_path(flat, header, flat_value)
    record = _compact(flat)
    pep = record.setdefault("pep", {})
    for key, value in defaults.items():
        pep.setdefault(key, value)
    return record, errors


def _csv_rows(path: Path) -> Iterator[tuple[int, list]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        yield from enumerate(csv.reader(handle), start=1)  # spreadsheet rows, whatever line breaks cells hold


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises many types for a broken file
        raise InputError(f"Not a readable Excel workbook ({type(err).__name__}).", file=str(path)) from err
    sheet = book["Data"] if "Data" in book.sheetnames else book.worksheets[0]
    try:
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, list(values)
    finally:
        book.close()


def _sheet_rows(path: Path) -> Iterator[tuple[int, list]]:
    if path.stat().st_size > MAX_SHEET_BYTES:
        raise InputError(f"Too large; a cohort sheet is at most {MAX_SHEET_BYTES // 1_048_576} MB.", file=str(path))
    if path.suffix.lower() == ".xlsx":
        return _xlsx_rows(path)
    if path.suffix.lower() == ".csv":
        return _csv_rows(path)
    raise InputError("A cohort is a .csv or .xlsx sheet, or a folder of .json records.", file=str(path))


def _is_comment(values: list) -> bool:
    first = values[0] if values else None
    return isinstance(first, str) and first.startswith("#")


def read_sheet(path: Path, defaults: dict) -> Iterator[CohortRow]:
    """Rows of a CSV or Excel cohort (the first row is the header; rows starting with # are comments)."""
    rows = _sheet_rows(path)
    try:
        header = next(values for _, values in rows if values and not _is_comment(values))
    except StopIteration:
        return
    except UnicodeDecodeError as err:
        raise InputError("Not UTF-8 text; save the sheet as CSV UTF-8.", file=str(path)) from err
    headers = [str(h or "").strip() for h in header]
    while headers and not headers[-1]:
        headers.pop()
    infos = check_headers(headers, str(path))
    for number, values in rows:
        if _is_comment(values) or not any(v not in (None, "") for v in values):
            continue
        record, errors = build_record(headers, infos, list(values)[: len(headers)], defaults)
        yield CohortRow(number, f"{path.name}:row {number}", record, errors)


def read_folder(path: Path) -> Iterator[CohortRow]:
    """Every *.json record in a folder, in name order."""
    for number, file in enumerate(sorted(path.glob("*.json")), start=1):
        try:
            yield CohortRow(number, file.name, load_json_file(file))
        except PepError as err:
            yield CohortRow(number, file.name, None, [("", err.message)])


def read_store(path: Path, authority: str, variant: str) -> Iterator[CohortRow]:
    """The current record of every child of the authority in a store, given the variant asked for."""
    from ..store.database import Store

    with Store.open(path) as store:
        for number, version in enumerate(store.records(), start=1):
            record = version.record
            if record["pep"]["authority"] == authority:
                record["pep"]["variant"] = variant
                yield CohortRow(number, f"store:{record['child']['social_care_id']}", record)


def read_cohort(path: Path, authority: str, variant: str) -> Iterator[CohortRow]:
    """The rows of a cohort: a sheet, a folder of JSON records, or a store folder."""
    from ..store.database import DB_NAME

    path = Path(path)
    if not path.exists():
        raise InputError("No such file or folder.", file=str(path))
    if path.is_dir() and (path / DB_NAME).exists():
        return read_store(path, authority, variant)
    if path.is_dir():
        return read_folder(path)
    return read_sheet(path, {"authority": authority, "variant": variant})


def count_rows(path: Path) -> int | None:
    """How many data rows a cohort has (for the progress bar), or None when counting would cost too much."""
    from ..store.database import DB_NAME

    path = Path(path)
    if path.is_dir() and (path / DB_NAME).exists():
        return None
    if path.is_dir():
        return sum(1 for _ in path.glob("*.json"))
    if path.suffix.lower() == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return max(0, sum(1 for row in csv.reader(handle) if row and not row[0].startswith("#")) - 1)
    return None


def flatten_record(record: dict, prefix: str = "") -> dict[str, object]:
    """A record as sheet cells: data path -> value (lists of texts joined with "; ")."""
    cells: dict[str, object] = {}
    for key, value in record.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and not path.endswith("views.answers"):
            cells.update(flatten_record(value, f"{path}."))
        elif isinstance(value, dict):
            cells.update({f"{path}.{qid}": answer for qid, answer in value.items()})
        elif isinstance(value, list) and not value:
            continue
        elif isinstance(value, list) and isinstance(value[0], dict):
            for index, item in enumerate(value):
                cells.update(flatten_record(item, f"{path}.{index}."))
        elif isinstance(value, list):
            cells[path] = "; ".join(str(v) for v in value)
        elif value is not None:
            cells[path] = value
    return cells
