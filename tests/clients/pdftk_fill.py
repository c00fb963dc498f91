"""Fill a form with pdftk (pdftk-java) from FDF or XFDF data, as office scripts and some back-office tools do."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr


def _fdf_string(text: str) -> bytes:
    """A PDF text string in UTF-16BE with a byte order mark, as a hex string (nothing to escape)."""
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode() + b">"


def _fdf_name(value: str) -> bytes:
    return b"/" + b"".join(bytes([c]) if 0x21 <= c <= 0x7E and c not in b"#/()<>[]{}%" else b"#%02X" % c
                           for c in value.encode("utf-8"))


def fdf(values: dict, kinds: dict[str, str]) -> bytes:
    """FDF data: text as strings, checkboxes as /on or /Off, radio groups as the option's state name."""
    entries = []
    for name, value in values.items():
        if value is None:
            continue
        if kinds[name] == "checkbox":
            encoded = b"/on" if value else b"/Off"
        elif kinds[name] == "radio":
            encoded = _fdf_name(value)
        else:
            encoded = _fdf_string(value)
        entries.append(b"<< /T " + _fdf_string(name) + b" /V " + encoded + b" >>")
    return (b"%FDF-1.2\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /FDF << /Fields [\n" + b"\n".join(entries)
            + b"\n] >> >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")


def xfdf(values: dict, kinds: dict[str, str]) -> bytes:
    """XFDF data (UTF-8 XML): checkboxes as on/Off, radio groups as the option value."""
    rows = []
    for name, value in values.items():
        if value is None:
            continue
        text = ("on" if value else "Off") if kinds[name] == "checkbox" else value
        rows.append(f"<field name={quoteattr(name)}><value>{escape(text)}</value></field>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<xfdf xmlns="http://ns.adobe.com/xfdf/" xml:space="preserve">'
            f"<fields>{''.join(rows)}</fields></xfdf>\n").encode()


def fill(data: bytes, values: dict, kinds: dict[str, str], fmt: str = "fdf", flatten: bool = False) -> bytes:
    """Run `pdftk IN fill_form DATA output OUT [flatten]`."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "in.pdf").write_bytes(data)
        (folder / f"data.{fmt}").write_bytes(fdf(values, kinds) if fmt == "fdf" else xfdf(values, kinds))
        command = ["pdftk", "in.pdf", "fill_form", f"data.{fmt}", "output", "out.pdf"]
        subprocess.run([*command, *(["flatten"] if flatten else [])], cwd=folder, check=True, capture_output=True,
                       timeout=120)
        return (folder / "out.pdf").read_bytes()
