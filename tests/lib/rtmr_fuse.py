#!/usr/bin/env python3
"""A FUSE file with the semantics of the kernel's TDX RTMR3 file
(`rtmr3:sha384`), so a test can hand the launcher a file that really is a
register: statfs reports FUSE (0x65735546), a read returns the 48-byte
register, a write of exactly 48 bytes at offset 0 extends it
(register' = SHA-384(register || written)), any other write fails with
EINVAL and changes nothing; truncation (O_TRUNC) is accepted and ignored.
Beside it, a file `control` (not a register, never named to the launcher):
a 48-byte write there sets the register and zeroes the counts, so a test
that runs many launches resets the register without remounting (reset()).

Needs root, /dev/fuse and Debian's python3-fusepy (libfuse2) + fuse.

    with RtmrFuse(dir, initial=None) as r:   # dir: the mount point
        r.path          # <dir>/rtmr3:sha384
        r.register()    # read through the FUSE file
        r.writes        # extends done; r.refused: writes refused (EINVAL)

The server is a child process (`rtmr_fuse.py serve`), so libfuse's signal
handlers never replace the test's; it records its state in <dir>.state
after every write and logs to <dir>.log.  On exit (also after a failure)
the mount is taken down with `fusermount -u`, else `umount -l`.
"""
import ctypes
import errno
import hashlib
import importlib.util
import json
import os
import shutil
import stat
import subprocess
import sys
import threading
import time

FILE_NAME = "rtmr3:sha384"
CONTROL_NAME = "control"
REGISTER_LEN = 48
FUSE_SUPER_MAGIC = 0x65735546
SYSFS_MAGIC = 0x62656572
DEBIAN_FUSEPY = "/usr/lib/python3/dist-packages/fusepy.py"


class FuseUnavailable(RuntimeError):
    """The register cannot be mounted: a failure, never a skip."""


def fs_type(path):
    """statfs(2) f_type of the file system holding path."""
    libc = ctypes.CDLL(None, use_errno=True)
    buf = ctypes.create_string_buffer(256)  # struct statfs is 120 bytes on x86-64
    if libc.statfs(os.fsencode(path), buf) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e), path)
    return ctypes.c_long.from_buffer(buf).value & 0xFFFFFFFF


def load_fusepy():
    """Debian names the module `fusepy`; pip's is `fuse`.  A python3 outside
    Debian's (pyenv) does not see dist-packages: load Debian's file by path."""
    for name in ("fusepy", "fuse"):
        try:
            mod = __import__(name)
        except ImportError:
            continue
        if hasattr(mod, "FUSE") and hasattr(mod, "Operations"):
            return mod
    if os.path.exists(DEBIAN_FUSEPY):
        spec = importlib.util.spec_from_file_location("fusepy", DEBIAN_FUSEPY)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return mod
    raise FuseUnavailable("python3-fusepy is not installed (apt-get install "
                          "python3-fusepy fuse)")


def _as_register(initial):
    if initial is None:
        return bytes(REGISTER_LEN)
    if isinstance(initial, str):
        initial = bytes.fromhex(initial)
    if len(initial) != REGISTER_LEN:
        raise ValueError("initial register must be %d bytes" % REGISTER_LEN)
    return bytes(initial)


# ------------------------------------------------------------------ the server

def make_ops(fusepy, register, state_path):
    class RegisterFs(fusepy.Operations):
        use_ns = True

        def __init__(self):
            self.lock = threading.Lock()
            self.reg = register
            self.writes = 0
            self.refused = 0
            self.t = time.time_ns()
            self.save()

        def save(self):
            tmp = state_path + ".tmp"
            with open(tmp, "w") as f:
                json.dump({"register": self.reg.hex(), "writes": self.writes,
                           "refused": self.refused}, f)
            os.replace(tmp, state_path)

        def getattr(self, path, fh=None):
            common = {"st_uid": os.getuid(), "st_gid": os.getgid(), "st_atime": self.t,
                      "st_mtime": self.t, "st_ctime": self.t}
            if path == "/":
                return dict(common, st_mode=stat.S_IFDIR | 0o755, st_nlink=2)
            if path == "/" + FILE_NAME:
                return dict(common, st_mode=stat.S_IFREG | 0o600, st_nlink=1,
                            st_size=REGISTER_LEN)
            if path == "/" + CONTROL_NAME:
                return dict(common, st_mode=stat.S_IFREG | 0o600, st_nlink=1, st_size=0)
            raise fusepy.FuseOSError(errno.ENOENT)

        def readdir(self, path, fh):
            if path != "/":
                raise fusepy.FuseOSError(errno.ENOTDIR)
            return [".", "..", FILE_NAME, CONTROL_NAME]

        def open(self, path, flags):
            if path not in ("/" + FILE_NAME, "/" + CONTROL_NAME):
                raise fusepy.FuseOSError(errno.ENOENT)
            return 0

        def read(self, path, size, offset, fh):
            if path != "/" + FILE_NAME:
                return b""
            with self.lock:
                return self.reg[offset:offset + size]

        def write(self, path, data, offset, fh):
            with self.lock:
                if path == "/" + CONTROL_NAME:
                    if offset != 0 or len(data) != REGISTER_LEN:
                        raise fusepy.FuseOSError(errno.EINVAL)
                    self.reg, self.writes, self.refused = bytes(data), 0, 0
                    self.save()
                    return REGISTER_LEN
                if offset != 0 or len(data) != REGISTER_LEN:
                    self.refused += 1
                    self.save()
                    raise fusepy.FuseOSError(errno.EINVAL)
                self.reg = hashlib.sha384(self.reg + data).digest()
                self.writes += 1
                self.save()
                return REGISTER_LEN

        def truncate(self, path, length, fh=None):
            return 0  # kernfs ignores a size change

        def flush(self, path, fh):
            return 0

        def release(self, path, fh):
            return 0

        def fsync(self, path, datasync, fh):
            return 0

        def statfs(self, path):
            return {"f_bsize": 4096, "f_frsize": 4096, "f_namemax": 255}

    return RegisterFs()


def serve(mountpoint, initial_hex, state_path):
    fusepy = load_fusepy()
    ops = make_ops(fusepy, _as_register(initial_hex or None), state_path)
    # direct_io: every read and write reaches us (no page cache), unsplit.
    fusepy.FUSE(ops, mountpoint, foreground=True, nothreads=False, direct_io=True,
                attr_timeout=0, entry_timeout=0, negative_timeout=0,
                fsname="tl-rtmr", subtype="tl-rtmr")


# ------------------------------------------------------------------ the client

class RtmrFuse:
    def __init__(self, dir, initial=None, timeout=10):
        self.dir = os.path.abspath(dir)
        self.path = os.path.join(self.dir, FILE_NAME)
        self.initial = _as_register(initial)
        self.state_path = self.dir + ".state"
        self.log_path = self.dir + ".log"
        self.timeout = timeout
        self.proc = None
        self.mounted = False

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def start(self):
        if not os.path.exists("/dev/fuse"):
            raise FuseUnavailable("/dev/fuse is missing")
        load_fusepy()  # fail here, with the reason, rather than in the child
        os.makedirs(self.dir, exist_ok=True)
        try:
            os.unlink(self.state_path)
        except FileNotFoundError:
            pass
        with open(self.log_path, "w") as log:
            self.proc = subprocess.Popen(
                [sys.executable, os.path.abspath(__file__), "serve", self.dir,
                 self.initial.hex(), self.state_path],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        self.mounted = True  # from now on close() tries to unmount
        deadline = time.monotonic() + self.timeout
        try:
            while True:
                if self.proc.poll() is not None:
                    raise FuseUnavailable("FUSE server exited %s: %s" % (
                        self.proc.returncode, self._log_tail()))
                if os.path.ismount(self.dir) and fs_type(self.dir) == FUSE_SUPER_MAGIC \
                        and os.path.exists(self.state_path) and os.path.exists(self.path):
                    return self
                if time.monotonic() > deadline:
                    raise FuseUnavailable("FUSE register not mounted after %d s: %s" % (
                        self.timeout, self._log_tail()))
                time.sleep(0.02)
        except BaseException:
            self.close()
            raise

    def _log_tail(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()[-1500:].strip() or "(no output)"
        except OSError:
            return "(no log)"

    def state(self):
        with open(self.state_path) as f:
            return json.load(f)

    @property
    def writes(self):
        return self.state()["writes"]

    @property
    def refused(self):
        return self.state()["refused"]

    def register(self):
        """The register as a reader of the file sees it (one 48-byte pread)."""
        fd = os.open(self.path, os.O_RDONLY)
        try:
            data = os.pread(fd, REGISTER_LEN, 0)
        finally:
            os.close(fd)
        if len(data) != REGISTER_LEN:
            raise OSError("read %d bytes from the register" % len(data))
        return data

    def reset(self, register):
        """Sets the register (48 bytes) and zeroes the counts, through the
        control file: no remount."""
        fd = os.open(os.path.join(self.dir, CONTROL_NAME), os.O_WRONLY)
        try:
            if os.pwrite(fd, _as_register(register), 0) != REGISTER_LEN:
                raise OSError("short write to the control file")
        finally:
            os.close(fd)

    def close(self):
        if not self.mounted:
            return
        self.mounted = False
        for cmd in (["fusermount", "-u", self.dir], ["umount", self.dir],
                    ["umount", "-l", self.dir]):
            if not os.path.ismount(self.dir):
                break
            if shutil.which(cmd[0]):
                subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if self.proc is not None:
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if os.path.ismount(self.dir):
            subprocess.run(["umount", "-l", self.dir], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "serve":
        serve(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit("usage: rtmr_fuse.py serve MOUNTPOINT INITIAL_HEX STATE_FILE")
