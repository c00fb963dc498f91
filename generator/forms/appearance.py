"""Appearance streams of form fields: text on one line or word-wrapped to the box (shrunk to fit), ticks and dots."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from .font import FormFont

FONT_RESOURCE = "/PepF"
PAD = 2.0  # points between the box edge and the text (more for larger text: see pad())
MIN_SIZE = 4.0  # the smallest a long answer is shrunk to before it is cut off
MIN_LINE_RATIO = 0.75  # one-line fields shrink to 3/4 of their size at most, then the end is cut off
STEP = 0.25
LEADING = 1.18  # line height as a multiple of the font size
TEXT_COLOUR = "0.1 0.1 0.1"  # the text of field values: near black
MAX_STREAMS = 2048  # text streams kept per font and per layout (LRU), of texts up to MAX_KEPT_TEXT characters
MAX_KEPT_TEXT = 200


@dataclass(frozen=True)
class TextLayout:
    """Where the text of a field goes: its font size and lines (what was drawn; tests read it back)."""

    size: float
    lines: tuple[str, ...]
    fits: bool


def _num(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _break_word(font: FormFont, word: str, limit: float) -> list[str]:
    """A word too long for a line, cut into pieces that fit (limit in 1/1000 em)."""
    pieces, current, width = [], "", 0
    for ch in word:
        advance = font.advance(ch)
        if current and width + advance > limit:
            pieces.append(current)
            current, width = "", 0
        current += ch
        width += advance
    return [*pieces, current] if current else pieces


def wrap(font: FormFont, text: str, width: float, size: float) -> list[str]:
    """Word-wrap a text to a width in points at a font size, keeping the writer's line breaks."""
    limit = width * 1000 / size
    space = font.advance(" ")
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current, used = "", 0
        for word in paragraph.split(" "):
            word_width = sum(font.advance(ch) for ch in word)
            if word_width > limit:
                pieces = _break_word(font, word, limit)
                if current:
                    lines.append(current)
                lines += pieces[:-1]
                current = pieces[-1] if pieces else ""
                used = sum(font.advance(ch) for ch in current)
            elif not current and used == 0:
                current, used = word, word_width
            elif used + space + word_width <= limit:
                current, used = f"{current} {word}", used + space + word_width
            else:
                lines.append(current)
                current, used = word, word_width
        lines.append(current)
    return lines


def pad_for(size: float) -> float:
    """The gap between box edge and text: a little more for larger text (rounded boxes of the children's forms)."""
    return max(PAD, size * 0.3)


def layout_text(font: FormFont, text: str, width: float, height: float, size: float,
                multiline: bool) -> TextLayout:
    """Choose the size and lines: one line shrunk to the width, or wrapped lines shrunk until they fit the height."""
    pad = pad_for(size)
    inner_w, inner_h = max(width - 2 * pad, 1.0), max(height - 2 * pad, 1.0)
    if not multiline:
        line = text.replace("\n", " ")
        natural = font.width(line, 1.0)
        fitted = min(size, inner_w / natural) if natural else size
        fitted = max(MIN_SIZE, size * MIN_LINE_RATIO, min(fitted, inner_h))
        return TextLayout(fitted, (line,), natural * fitted <= inner_w + 0.01)
    current = size
    while True:
        lines = wrap(font, text, inner_w, current)
        if len(lines) * current * LEADING <= inner_h + 0.01 or current - STEP < MIN_SIZE:
            fits = len(lines) * current * LEADING <= inner_h + 0.01
            return TextLayout(current, tuple(lines), fits)
        current -= STEP


def text_stream(font: FormFont, text: str, width: float, height: float, size: float, multiline: bool,
                colour: str = "0.1 0.1 0.1") -> tuple[bytes, TextLayout]:
    """The content of a text field's normal appearance: marked content, clipped to the box (made once per font and
    arguments: the result depends on nothing else)."""
    if len(text) > MAX_KEPT_TEXT:  # a long answer is one child's own: not kept
        return _text_stream(font, text, width, height, size, multiline, colour)
    key = (text, width, height, size, multiline, colour)
    return remember(font.streams, key, lambda: _text_stream(font, text, width, height, size, multiline, colour))


def remember(memo: dict, key, make, limit: int = MAX_STREAMS):
    """memo[key], made by make() when absent; the least recently used entries go beyond `limit`. Safe to share
    between threads (the web server's): an entry depends on its key only, so a race at most makes one twice."""
    found = memo.pop(key, None)
    if found is None:
        found = make()
        if len(memo) >= limit:
            with contextlib.suppress(KeyError, RuntimeError, StopIteration):  # another thread changed it meanwhile
                del memo[next(iter(memo))]
    memo[key] = found
    return found


def _text_stream(font: FormFont, text: str, width: float, height: float, size: float, multiline: bool,
                 colour: str) -> tuple[bytes, TextLayout]:
    if not text:
        return b"/Tx BMC\nEMC\n", TextLayout(size, (), True)
    laid = layout_text(font, text, width, height, size, multiline)
    s, pad = laid.size, pad_for(size)
    ops = ["/Tx BMC", "q", f"{_num(PAD / 2)} {_num(PAD / 2)} {_num(width - PAD)} {_num(height - PAD)} re W n", "BT",
           f"{FONT_RESOURCE} {_num(s)} Tf", f"{colour} rg"]
    if multiline:
        top = height - pad - s * 0.93
        ops += [f"{_num(s * LEADING)} TL", f"{_num(pad)} {_num(top)} Td"]
        visible = int((height - pad) // (s * LEADING)) + 1
        for index, line in enumerate(laid.lines[:visible]):
            ops.append(("" if index == 0 else "T* ") + f"<{font.hex(line)}> Tj")
    else:
        baseline = (height - s * font.cap_height / 1000) / 2
        ops += [f"{_num(pad)} {_num(baseline)} Td", f"<{font.hex(laid.lines[0])}> Tj"]
    ops += ["ET", "Q", "EMC"]
    return ("\n".join(ops) + "\n").encode("ascii"), laid


def check_stream(width: float, height: float) -> bytes:
    """A tick drawn with lines (no font needed), centred in the box."""
    side = min(width, height)
    x0, y0 = (width - side) / 2, (height - side) / 2
    pts = [(0.2, 0.52), (0.42, 0.28), (0.8, 0.78)]
    path = " ".join(f"{_num(x0 + px * side)} {_num(y0 + py * side)} {op}" for (px, py), op in zip(pts, "mll",
                                                                                                 strict=True))
    return f"q 0.08 0.2 0.45 RG {_num(max(side * 0.12, 1.2))} w 1 J 1 j {path} S Q\n".encode("ascii")


def dot_stream(width: float, height: float) -> bytes:
    """A filled dot for a chosen radio button, centred in the box."""
    r = min(width, height) * 0.27
    cx, cy, k = width / 2, height / 2, 0.5523 * r
    curve = (f"{_num(cx + r)} {_num(cy)} m "
             f"{_num(cx + r)} {_num(cy + k)} {_num(cx + k)} {_num(cy + r)} {_num(cx)} {_num(cy + r)} c "
             f"{_num(cx - k)} {_num(cy + r)} {_num(cx - r)} {_num(cy + k)} {_num(cx - r)} {_num(cy)} c "
             f"{_num(cx - r)} {_num(cy - k)} {_num(cx - k)} {_num(cy - r)} {_num(cx)} {_num(cy - r)} c "
             f"{_num(cx + k)} {_num(cy - r)} {_num(cx + r)} {_num(cy - k)} {_num(cx + r)} {_num(cy)} c")
    return f"q 0.08 0.2 0.45 rg {curve} f Q\n".encode("ascii")


OFF_STREAM = b"% off\n"
