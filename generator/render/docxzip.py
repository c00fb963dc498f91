"""The zip a .docx package is written to: entries with one fixed time, each distinct part deflated once per process."""

from __future__ import annotations

import struct
import threading
import zlib
from collections import OrderedDict

FIXED_DATE = (1980, 1, 1, 0, 0, 0)  # zip entry time: the same bytes every build and every render
LEVEL = 6
# What zipfile writes for a deflated entry made by ZipInfo(name, FIXED_DATE) on a POSIX system, written the same way
# (tests/render/test_word_reuse.py checks the bytes against zipfile's): version 2.0, no flags, mode 0644.
VERSION, SYSTEM, DEFLATED, MODE = 20, 3, 8, 0o644 << 16
_DOS_DATE = (FIXED_DATE[0] - 1980) << 9 | FIXED_DATE[1] << 5 | FIXED_DATE[2]
_DOS_TIME = FIXED_DATE[3] << 11 | FIXED_DATE[4] << 5 | FIXED_DATE[5] // 2
_LOCAL = struct.Struct("<4s2B4HL2L2H")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_END = struct.Struct("<4s4H2LH")
_LIMIT = 0xFFFF_FFFF
# Styles, theme, settings and the like are the same in every document of a template: deflating them is most of the
# cost of writing a package, so their deflated bytes are kept (a bounded number of distinct parts).
MEMORY_PARTS = 48
_deflated: OrderedDict[bytes, tuple[bytes, int]] = OrderedDict()
_lock = threading.Lock()


def deflated(blob: bytes) -> tuple[bytes, int]:
    """(raw deflate stream, CRC-32) of a part's bytes, as zipfile makes them at level 6."""
    with _lock:
        found = _deflated.get(blob)
        if found is not None:
            _deflated.move_to_end(blob)
            return found
    compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
    found = (compressor.compress(blob) + compressor.flush(), zlib.crc32(blob))
    with _lock:
        _deflated[blob] = found
        while len(_deflated) > MEMORY_PARTS:
            _deflated.popitem(last=False)
    return found


class DocxZip:
    """Collects (name, bytes) entries and returns the zip archive (no zip64: a part over 4 GB is refused)."""

    def __init__(self):
        self.chunks: list[bytes] = []
        self.central: list[bytes] = []
        self.offset = 0

    def add(self, name: str, blob: bytes) -> None:
        data, crc = deflated(blob)
        if len(blob) >= _LIMIT or len(data) >= _LIMIT:
            raise ValueError(f"{name}: a part this large needs zip64")
        encoded = name.encode("ascii")  # package part names are ASCII (OPC)
        sizes = (DEFLATED, _DOS_TIME, _DOS_DATE, crc, len(data), len(blob), len(encoded))
        header = _LOCAL.pack(b"PK\x03\x04", VERSION, 0, 0, *sizes, 0)
        self.central.append(_CENTRAL.pack(b"PK\x01\x02", VERSION, SYSTEM, VERSION, 0, 0, *sizes, 0, 0, 0, 0, MODE,
                                          self.offset) + encoded)
        self.chunks += (header, encoded, data)
        self.offset += len(header) + len(encoded) + len(data)

    def getvalue(self) -> bytes:
        directory = b"".join(self.central)
        end = _END.pack(b"PK\x05\x06", 0, 0, len(self.central), len(self.central), len(directory), self.offset, 0)
        return b"".join(self.chunks) + directory + end
