"""One way to write an output file: atomic for a regular file, written through for a device or a FIFO.

Every file the package or a command writes (a sweep's JSON and CSV, a plot, costs' JSON)
goes through here, so that no output path is ever replaced by a file of another kind:

- a regular file, or a path that does not exist yet, is written atomically: a temporary
  file in the same folder, flushed and fsynced, then renamed over it, so a reader (or a
  SIGTERM) never sees half a file and the old contents survive a failed write. A
  symlink's *target* is the file replaced; the link itself stays a link.
- a character device (``/dev/null``, a terminal), a FIFO, and whatever a path through
  ``/proc/self/fd`` or ``/dev/fd`` names (``/dev/stdout``: a pipe, a terminal, or the
  file the shell opened) is written through, as ``tee`` would: opened when the output is
  prepared, before any work, and written once at the end, its errors reported (``/dev/full``
  fails with ENOSPC). A FIFO is opened non-blocking, so one without a reader is refused at
  once (ENXIO) instead of hanging.
- a directory, a socket and a block device are refused up front (`OutputPathError`).

`prepare_output` does the checking and returns an `Output` to write later;
`write_output(path, writer)` is both in one call, for a library caller such as
`SweepRecord.save`.
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

#: What open() asks for when it creates a file, before the umask.
_NEW_FILE_MODE = 0o666
#: The most symbolic links followed looking for a descriptor link, as the kernel's own limit (ELOOP).
_MAX_LINKS = 40
#: Folders whose entries are a process's descriptors: a path through them is written through.
_DESCRIPTOR_ROOTS = ("/proc", "/dev/fd")

#: Writes an output into the open binary file it is given (what it returns is ignored).
Writer = Callable[[BinaryIO], object]


class OutputPathError(ValueError):
    """An output path that can never be written as a file (a directory, a socket, a block device);
    the message says why, without the path."""


@dataclass(eq=False)
class Output:
    """An output path, checked and ready: `write` it once the work is done.

    `replaceable`: written atomically (a regular file or a new one), so it may be written
    again and again (sweep rewrites its JSON while it runs); otherwise written through, once,
    on the descriptor opened when it was prepared.
    """

    path: Path  #: as given
    kind: str  #: "file", "new file", "FIFO", "character device", "descriptor"
    target: Path | None = None  #: the regular file replaced (symlinks followed), when replaceable
    _descriptor: int | None = field(default=None, repr=False)

    @property
    def replaceable(self) -> bool:
        return self.target is not None

    def write(self, writer: Writer) -> None:
        """`writer(file)` into the output: OSError when writing fails (the old file then stays whole)."""
        if self.target is not None:
            _replace(self.target, writer)
            return
        if self._descriptor is None:
            raise OSError(errno.EBADF, f"{self.kind} {self.path} was written already")
        descriptor, self._descriptor = self._descriptor, None
        with os.fdopen(descriptor, "wb") as out:  # closes it, even when writing fails
            writer(out)
            out.flush()

    def close(self) -> None:
        """Let go of a written-through output's descriptor without writing (nothing to write)."""
        if self._descriptor is not None:
            os.close(self._descriptor)
            self._descriptor = None

    def __del__(self) -> None:
        self.close()


def prepare_output(path: Path) -> Output:
    """`path` checked for writing before any work: OutputPathError for a kind that is never written,
    OSError when it cannot be written (a missing folder, no permission, a FIFO without a reader)."""
    path = Path(path)
    try:
        mode: int | None = os.stat(path).st_mode  # through symlinks: the kind of what is written
    except FileNotFoundError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        return _through(path, mode)
    if _through_descriptor(path):
        # /dev/stdout naming the file the shell opened: write to that open file, never rename over it.
        return _through(path, mode if mode is not None else stat.S_IFREG)
    target = Path(os.path.realpath(path))
    _try_folder(target.parent)
    if mode is not None:
        with open(target, "ab"):  # its own permissions count too (root passes them, as open() would)
            pass
    return Output(path, "file" if mode is not None else "new file", target=target)


def write_output(path: Path, writer: Writer) -> None:
    """Check `path` and write `writer`'s bytes into it, as `prepare_output` then `Output.write`."""
    prepare_output(path).write(writer)


def _through(path: Path, mode: int) -> Output:
    """A node written through: refused now if it never can be, else opened now and kept open."""
    if stat.S_ISDIR(mode):
        raise OutputPathError("is a directory")
    if stat.S_ISSOCK(mode):
        raise OutputPathError("is a socket, not a file")
    if stat.S_ISBLK(mode):
        raise OutputPathError("is a block device: writing a result over a disk is refused")
    kind = "FIFO" if stat.S_ISFIFO(mode) else "character device" if stat.S_ISCHR(mode) else "descriptor"
    flags = os.O_WRONLY | os.O_NONBLOCK | os.O_CLOEXEC  # no O_CREAT, no O_TRUNC: the node stays as it is
    if stat.S_ISREG(mode):
        flags |= os.O_APPEND  # the shell's own descriptor writes there too: after it, never over it
    try:
        descriptor = os.open(path, flags)
    except OSError as error:
        if error.errno == errno.ENXIO and stat.S_ISFIFO(mode):
            raise OSError(errno.ENXIO, "is a FIFO with no reader") from None
        raise
    # Non-blocking only to open: the writes themselves wait for a slow reader like any program's.
    fcntl.fcntl(descriptor, fcntl.F_SETFL, fcntl.fcntl(descriptor, fcntl.F_GETFL) & ~os.O_NONBLOCK)
    return Output(path, kind, _descriptor=descriptor)


def _through_descriptor(path: Path) -> bool:
    """Whether `path` reaches its file through a descriptor link (/dev/stdout, /proc/self/fd/N)."""
    current = os.path.abspath(path)
    for _ in range(_MAX_LINKS):
        folder = os.path.realpath(os.path.dirname(current))
        if any(folder == root or folder.startswith(root + "/") for root in _DESCRIPTOR_ROOTS):
            return True
        candidate = os.path.join(folder, os.path.basename(current))
        if not os.path.islink(candidate):
            return False
        current = os.path.join(folder, os.readlink(candidate))
    return False


def _try_folder(folder: Path) -> None:
    """Make and remove a file in `folder`: root passes permission bits, so only trying tells."""
    handle, probe = tempfile.mkstemp(dir=folder, prefix=".pysgxalloc.", suffix=".probe")
    os.close(handle)
    os.unlink(probe)


def _replace(target: Path, writer: Writer) -> None:
    """Write a temporary file beside `target`, fsync it, rename it over `target`, fsync the folder."""
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
    try:
        try:
            old: os.stat_result | None = os.lstat(target)
        except FileNotFoundError:
            old = None
        # mkstemp makes the file private (0600); a replaced file keeps its mode, a new one gets
        # what open() would give it: results are meant to be shared.
        os.fchmod(handle, stat.S_IMODE(old.st_mode) if old is not None else _NEW_FILE_MODE & ~_umask())
        with os.fdopen(handle, "wb") as out:
            writer(out)
            out.flush()
            os.fsync(out.fileno())
        _still_a_file(target)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _sync_folder(target.parent)


def _still_a_file(target: Path) -> None:
    """OSError if something other than a regular file took `target`'s place since it was checked."""
    try:
        mode = os.lstat(target).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISREG(mode):
        raise OSError(errno.EEXIST, f"{target} is no longer a regular file; left as it is")


def _sync_folder(folder: Path) -> None:
    """fsync the folder, so the rename survives a crash (some file systems cannot: then it is skipped)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def _umask() -> int:
    """The process's umask (reading it means setting it, so it is set straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
