"""Readers run in a child process with a deadline and a memory ceiling, so that no file, from
whatever producer, costs more than `Limits.seconds` of one core or `Limits.memory` of memory.

The children come from a fork server (multiprocessing's "forkserver"): a single-threaded process
that has the readers imported and forks one child per upload in a few milliseconds. The web
process itself never forks (it has threads). A child that overruns is killed; one that runs out
of memory fails inside its ceiling. Either way the user gets a Dutch message and the web worker
carries on.
"""

import io
import logging
import multiprocessing
import os
import resource
import signal
import traceback
from multiprocessing import context, forkserver, popen_forkserver, reduction, spawn, util

from .errors import TOO_SLOW, ExtractError, Limits

log = logging.getLogger(__name__)

_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload(["consult.extract.readers", "consult.rowimport.files"])


class _Popen(popen_forkserver.Popen):
    """The fork server's launcher, minus one step: a child normally re-runs the parent's main
    script first (gunicorn's, pytest's: 50-150 ms per upload, and a script without a
    `__main__` guard would run again). Readers live in modules, so the child needs none of it."""

    def _launch(self, process_obj):
        prep_data = spawn.get_preparation_data(process_obj._name)
        prep_data.pop("init_main_from_path", None)
        prep_data.pop("init_main_from_name", None)
        buf = io.BytesIO()
        context.set_spawning_popen(self)
        try:
            reduction.dump(prep_data, buf)
            reduction.dump(process_obj, buf)
        finally:
            context.set_spawning_popen(None)
        self.sentinel, w = forkserver.connect_to_new_process(self._fds)
        parent_w = os.dup(w)  # the child's sentinel of its parent, as the original keeps it
        self.finalizer = util.Finalize(self, util.close_fds, (parent_w, self.sentinel))
        with open(w, "wb", closefd=True) as f:
            f.write(buf.getbuffer())
        self.pid = forkserver.read_signed(self.sentinel)


class _Process(context.ForkServerProcess):
    """A fork-server process launched by `_Popen`."""

    @staticmethod
    def _Popen(process_obj):
        return _Popen(process_obj)

UNREADABLE = "Dit bestand kon niet worden gelezen."
TOO_MUCH_MEMORY = (
    "Dit bestand vraagt te veel geheugen om te lezen; het is te ingewikkeld. Sla het op als PDF "
    "of platte tekst, of plak de tekst in het tekstvak."
)


def _mapped_bytes() -> int:
    """The address space this process has mapped now (Linux /proc), 0 if unknown."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _child(conn, target, args, limits: Limits) -> None:
    """In the child: lower priority, cap memory and CPU, run the reader, send back the outcome."""
    try:
        os.nice(5)
        ceiling = _mapped_bytes() + limits.memory
        resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
        cpu = int(limits.seconds) + 2
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        outcome = ("ok", target(*args))
    except ExtractError as error:
        outcome = ("error", str(error))
    except MemoryError:
        outcome = ("error", TOO_MUCH_MEMORY)
    except BaseException:  # a reader bug or a library's unforeseen error: told, never raised
        outcome = ("crash", traceback.format_exc(limit=20))
    try:
        conn.send(outcome)
    except MemoryError:
        conn.send(("error", TOO_MUCH_MEMORY))
    finally:
        conn.close()


def run(target, args: tuple, limits: Limits):
    """target(*args) in a fresh child; its result, or ExtractError with a Dutch message."""
    receiver, sender = _CONTEXT.Pipe(duplex=False)
    process = _Process(target=_child, args=(sender, target, args, limits), daemon=True)
    try:
        process.start()
    except OSError as exc:  # no child could be started: the machine is out of processes
        receiver.close()
        sender.close()
        log.error("upload reader could not start: %s", exc)
        raise ExtractError(UNREADABLE) from exc
    try:
        sender.close()
        if not receiver.poll(limits.seconds):
            log.warning("upload reading stopped after %.1f s", limits.seconds)
            raise ExtractError(TOO_SLOW.format(seconds=f"{limits.seconds:g}"))
        try:
            status, value = receiver.recv()
        except (EOFError, OSError) as exc:  # the child died (memory, CPU limit, a crash)
            process.join(1)
            log.warning("upload reader died: exit code %s", process.exitcode)
            if process.exitcode == -signal.SIGXCPU:
                raise ExtractError(TOO_SLOW.format(seconds=f"{limits.seconds:g}")) from exc
            raise ExtractError(UNREADABLE) from exc
    finally:
        receiver.close()
        sender.close()
        if process.is_alive():
            process.kill()
        process.join()
        process.close()
    if status == "ok":
        return value
    if status == "crash":
        log.error("upload reader failed:\n%s", value)
        raise ExtractError(UNREADABLE)
    raise ExtractError(value)


def warm() -> None:
    """Start the fork server now (it imports the readers: a second or two), so that the first
    upload a web worker reads does not wait for it."""
    from multiprocessing import forkserver

    forkserver.ensure_running()
