"""Fill a form with pypdf, as office scripts do (radio values end up written as strings: a quirk ingestion accepts)."""

from __future__ import annotations

import io

from pypdf import PdfReader, PdfWriter


def fill(data: bytes, values: dict) -> bytes:
    """`values`: field name → text, True/False (checkbox) or an option (radio); others are left as they are."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    fields = writer.get_fields() or {}
    update = {}
    for name, value in values.items():
        if value is None:
            continue
        if isinstance(value, bool):
            on = next((s for s in fields[name].get("/_States_", []) if s != "/Off"), "/Yes")
            update[name] = on if value else "/Off"
        elif fields[name].get("/FT") == "/Btn":
            update[name] = f"/{value}"
        else:
            update[name] = value
    writer.update_page_form_field_values(None, update, auto_regenerate=False)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
