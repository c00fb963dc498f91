"""The font of form fields: a compact subset of an installed font covering what people type, parsed once."""

from __future__ import annotations

import hashlib
import io
import os
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

from ..core.errors import PepError
from . import cache as form_cache

ENV_FONT = "PEP_FORM_FONT"
FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".local/share/fonts")
FONT_FILES = ("NotoSans-Regular.ttf", "DejaVuSans.ttf", "LiberationSans-Regular.ttf")
FONT_VERSION = "1"

# What people type into a PEP: Basic Latin, Latin-1, Latin Extended-A and -B (Welsh ŵ ŷ, Polish ą ł ż, Irish á),
# the Latin Extended Additional letters of Welsh (ẁ ẃ ẅ ỳ) and old Irish spelling (ḃ ċ ḋ ḟ ġ ṁ ṗ ṡ ṫ),
# punctuation (dashes, quotes, bullets, ellipsis), £ €, and a few symbols people paste.
_WELSH_IRISH = (0x1E02, 0x1E03, 0x1E0A, 0x1E0B, 0x1E1E, 0x1E1F, 0x1E40, 0x1E41, 0x1E56, 0x1E57, 0x1E60, 0x1E61,
                0x1E6A, 0x1E6B, 0x1E80, 0x1E81, 0x1E82, 0x1E83, 0x1E84, 0x1E85, 0x1EF2, 0x1EF3)
CODEPOINTS = tuple(sorted({*range(0x20, 0x7F), *range(0xA0, 0x250), *_WELSH_IRISH, *range(0x2010, 0x2028),
                           0x2030, 0x2032, 0x2033, 0x2039, 0x203A, 0x20AC, 0x2116, 0x2122, 0x2190, 0x2192,
                           0x2212, 0x2713}))


@dataclass(frozen=True)
class FormFont:
    """A subset TrueType font and the metrics appearance streams need (widths in 1/1000 em)."""

    data: bytes
    name: str  # PostScript name with a subset tag
    gids: dict[int, int]  # code point -> glyph id
    widths: tuple[int, ...]  # glyph id -> advance width
    ascent: int
    descent: int
    cap_height: int
    bbox: tuple[int, int, int, int]
    digest: str
    # Appearance streams drawn with this font, by what they were drawn from (appearance.text_stream: the labels and
    # values a cohort's forms share are laid out once per process).
    streams: dict = field(default_factory=dict, compare=False, repr=False)

    def glyphs(self, text: str) -> list[int]:
        """Glyph ids of a text (NFC first, so typed combining accents use the precomposed letters)."""
        return [self.gids.get(ord(ch), 0) for ch in unicodedata.normalize("NFC", text)]

    def hex(self, text: str) -> str:
        """A text as a hex string for Tj with the Identity-H encoding."""
        return "".join(f"{g:04X}" for g in self.glyphs(text))

    def advance(self, ch: str) -> int:
        return self.widths[self.gids.get(ord(ch), 0)]

    def width(self, text: str, size: float) -> float:
        """The width of a text at a size, in points."""
        return sum(self.widths[g] for g in self.glyphs(text)) * size / 1000

    def to_unicode(self) -> bytes:
        """The ToUnicode CMap, so that text can be copied and searched."""
        pairs = sorted((g, cp) for cp, g in self.gids.items())
        chunks = [pairs[i:i + 100] for i in range(0, len(pairs), 100)]
        body = "".join(f"{len(c)} beginbfchar\n" + "".join(f"<{g:04X}> <{cp:04X}>\n" for g, cp in c) + "endbfchar\n"
                       for c in chunks)
        return ("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo << /Registry (Adobe) "
                "/Ordering (UCS) /Supplement 0 >> def\n/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
                "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n" + body +
                "endcmap\nCMapName currentdict /CMapResource defineresource pop\nend\nend\n").encode("ascii")


def source_font() -> Path:
    """The installed font the subset is made from: $PEP_FORM_FONT, else Noto Sans, DejaVu Sans or Liberation Sans."""
    if os.environ.get(ENV_FONT):
        path = Path(os.environ[ENV_FONT])
        if not path.is_file():
            raise PepError(f"{ENV_FONT} names a font file that does not exist.", file=str(path))
        return path
    for name in FONT_FILES:
        for folder in FONT_DIRS:
            found = sorted(folder.rglob(name)) if folder.is_dir() else []
            if found:
                return found[0]
    raise PepError("No font for form fields: install fonts-noto-core (Noto Sans) or set PEP_FORM_FONT to a .ttf.")


def _subset(source: Path) -> bytes:
    options = subset.Options()
    options.hinting = False
    options.layout_features = []
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6]
    options.notdef_outline = True
    options.recalc_timestamp = False
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "DSIG", "meta", "STAT"]
    font = TTFont(io.BytesIO(source.read_bytes()), recalcTimestamp=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=CODEPOINTS)
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _metrics(data: bytes) -> FormFont:
    font = TTFont(io.BytesIO(data), recalcTimestamp=False)
    scale = 1000 / font["head"].unitsPerEm
    order = font.getGlyphOrder()
    gids = {cp: font.getGlyphID(name) for cp, name in font.getBestCmap().items()}
    hmtx = font["hmtx"]
    widths = tuple(round(hmtx[name][0] * scale) for name in order)
    os2, head = font["OS/2"], font["head"]
    digest = hashlib.sha256(data).hexdigest()
    tag = "".join(chr(ord("A") + int(c, 16) % 26) for c in digest[:6])
    ps_name = font["name"].getDebugName(6) or "PepFormSans"
    return FormFont(data, f"{tag}+{ps_name}", gids, widths, round(os2.sTypoAscender * scale),
                    round(os2.sTypoDescender * scale), round(getattr(os2, "sCapHeight", 700) * scale),
                    tuple(round(v * scale) for v in (head.xMin, head.yMin, head.xMax, head.yMax)), digest)


@cache
def form_font() -> FormFont:
    """The form font, parsed once per process; the subset itself is made once and kept in the form cache."""
    key = form_cache.cache_key({"font": font_key(), "codepoints": CODEPOINTS})
    cached = form_cache.get(key, ".ttf")
    if cached is not None:
        try:
            return _metrics(cached)
        except Exception:  # a damaged cache entry: make it again
            form_cache.forget(key, ".ttf")
    source = source_font()
    try:
        data = _subset(source)
        font = _metrics(data)
    except Exception as err:  # fontTools raises many kinds of error on a broken font file
        raise PepError(f"Cannot use this font for form fields: {err}.", file=str(source)) from err
    form_cache.put(key, ".ttf", data)
    return font


def font_key() -> str:
    """What identifies the form font in cache keys (source file and subset settings)."""
    source = source_font()
    stat = source.stat()
    return f"{FONT_VERSION}:{source}:{stat.st_size}:{int(stat.st_mtime)}:{len(CODEPOINTS)}"
