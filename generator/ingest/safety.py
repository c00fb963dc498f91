"""Untrusted files are read in long-lived worker processes, each task bounded in time and memory."""

from __future__ import annotations

import importlib
import multiprocessing
import os
import resource
import signal
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import wait

from ..core.errors import PepError

MIB = 1024 * 1024
_PEAK = "__pep_worker_peak_rss__"  # a message asking a worker for its peak memory, not a task


class Refused(PepError):
    """Raised by a task when its input is unusable or unsafe; the message says why in plain words."""


@dataclass(frozen=True)
class Limits:
    """Bounds on one task: wall-clock seconds, and memory a worker may use beyond what it started with."""

    seconds: float = 20.0
    memory_bytes: int = 768 * MIB
    recursion: int = 2000


@dataclass(frozen=True)
class Outcome:
    """What a task gave back: its value, or why the input was refused."""

    value: object = None
    error: str | None = None


def _vm_size() -> int:
    """This process's virtual memory size in bytes (0 where /proc is not available)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _apply_limits(limits: Limits) -> None:
    """Cap the worker's address space; no core dumps; Ctrl-C is the parent's business."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    base = _vm_size()
    if base:
        cap = base + limits.memory_bytes
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    sys.setrecursionlimit(limits.recursion)


def _resolve(target: str):
    module, _, function = target.partition(":")
    return getattr(importlib.import_module(module), function)


def _run(func, payload, limits: Limits) -> tuple[Outcome, bool]:
    """Run one task; the flag says the worker should be replaced afterwards (its memory may be in a bad state)."""
    try:
        return Outcome(func(payload)), False
    except Refused as err:
        return Outcome(error=err.message), False
    except MemoryError:
        return Outcome(error=f"Reading it needs more than {limits.memory_bytes // MIB} MB of memory (a "
                             "decompression bomb or an absurdly large object)."), True
    except RecursionError:
        return Outcome(error="Its objects are nested too deeply to read safely."), True
    except Exception as err:
        return Outcome(error=f"It cannot be read ({type(err).__name__})."), False


def _worker(conn, target: str, limits: Limits) -> None:
    """A worker's life: apply limits, then run tasks until told to stop or the parent goes away."""
    _apply_limits(limits)
    func = _resolve(target)
    while True:
        try:
            payload = conn.recv()
        except (EOFError, OSError):
            return
        if payload is None:
            return
        if isinstance(payload, str) and payload == _PEAK:
            conn.send((Outcome(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024), False))
            continue
        outcome, retire = _run(func, payload, limits)
        conn.send((outcome, retire))
        if retire:
            return


class _Worker:
    def __init__(self, ctx, target: str, limits: Limits):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker, args=(child, target, limits), daemon=True)
        self.process.start()
        child.close()
        self.index: int | None = None
        self.deadline = 0.0
        self.retired = False

    def give(self, index: int, payload, seconds: float) -> None:
        self.index, self.deadline = index, time.monotonic() + seconds
        self.conn.send(payload)

    def stop(self, kill: bool = False) -> None:
        if not kill:
            try:
                self.conn.send(None)
            except OSError:
                kill = True
            self.process.join(timeout=2)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


class WorkerPool:
    """Long-lived workers running `target` ("module:function") on payloads; a failing task never stops the rest.

    A task that runs past `limits.seconds` or kills its worker (memory cap, crash) comes back as a refusal and the
    worker is replaced; the others carry on. Use as a context manager.
    """

    def __init__(self, target: str, workers: int = 1, limits: Limits | None = None):
        self.target = target
        self.limits = limits or Limits()
        self._ctx = multiprocessing.get_context("forkserver")
        self._ctx.set_forkserver_preload([target.partition(":")[0]])
        self._workers = [_Worker(self._ctx, target, self.limits) for _ in range(max(1, workers))]

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        for worker in self._workers:
            worker.stop()
        self._workers = []

    def peak_memory(self) -> list[int]:
        """Each worker's peak resident memory in bytes, so far (for benchmarks and monitoring)."""
        return [outcome.value for outcome in self.map([_PEAK] * len(self._workers))]

    def run(self, payload) -> Outcome:
        """One task."""
        return next(self.map([payload]))

    def map(self, payloads: Iterable) -> Iterator[Outcome]:
        """Outcomes in input order. Payloads are taken lazily, one per free worker, so memory stays bounded."""
        source = enumerate(payloads)
        idle, busy, done, nxt, exhausted = list(self._workers), [], {}, 0, False
        while True:
            while idle and not exhausted:
                item = next(source, None)
                if item is None:
                    exhausted = True
                    break
                worker = idle.pop()
                worker.give(item[0], item[1], self.limits.seconds)
                busy.append(worker)
            while nxt in done:
                yield done.pop(nxt)
                nxt += 1
            if not busy:
                return
            for worker, outcome in self._collect(busy):
                done[worker.index] = outcome
                busy.remove(worker)
                idle.append(self._renew(worker))

    def _collect(self, busy: list[_Worker]) -> list[tuple[_Worker, Outcome]]:
        """Wait for the first workers to finish or run out of time."""
        timeout = max(0.0, min(w.deadline for w in busy) - time.monotonic())
        ready = wait([w.conn for w in busy], timeout=timeout)
        finished = []
        for worker in busy:
            if worker.conn in ready:
                finished.append((worker, self._receive(worker)))
            elif time.monotonic() >= worker.deadline:
                worker.stop(kill=True)
                finished.append((worker, Outcome(error=f"Reading it took longer than {self.limits.seconds:g} "
                                                       "seconds, so it was stopped.")))
        return finished

    def _receive(self, worker: _Worker) -> Outcome:
        try:
            outcome, worker.retired = worker.conn.recv()
            return outcome
        except (EOFError, OSError):
            worker.process.join(timeout=2)
            code = worker.process.exitcode
            worker.stop(kill=True)
            return Outcome(error=f"Reading it stopped the reader (exit status {code}); the file is unsafe or broken.")

    def _renew(self, worker: _Worker) -> _Worker:
        """The same worker if it is still fit, else a fresh one in its place."""
        if not worker.retired and not worker.conn.closed and worker.process.is_alive():
            return worker
        if not worker.conn.closed:
            worker.stop(kill=worker.process.is_alive() and not worker.retired)
        fresh = _Worker(self._ctx, self.target, self.limits)
        self._workers[self._workers.index(worker)] = fresh
        return fresh


def default_workers() -> int:
    """Workers to start by default: the cores this process may use, at most 4."""
    try:
        return max(1, min(4, len(os.sched_getaffinity(0))))
    except AttributeError:
        return max(1, min(4, os.cpu_count() or 1))
