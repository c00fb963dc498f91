"""Task functions for worker-pool tests: each misbehaves in one way a hostile file could make a reader misbehave."""

from __future__ import annotations

import os
import signal
import time

from generator.ingest.safety import Refused


def behave(payload):
    """`payload` is (what, arg): echo, sleep, allocate, recurse, crash, refuse or fail."""
    what, arg = payload
    if what == "sleep":
        time.sleep(arg)
    elif what == "allocate":
        blocks = [bytearray(arg) for _ in range(64)]
        return len(blocks)
    elif what == "recurse":
        return _deep(arg)
    elif what == "crash":
        os.kill(os.getpid(), signal.SIGSEGV)
    elif what == "refuse":
        raise Refused(arg)
    elif what == "fail":
        raise KeyError(arg)
    return (what, arg, os.getpid())


def _deep(n):
    return 0 if n == 0 else 1 + _deep(n - 1)
