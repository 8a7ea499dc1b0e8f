"""A user-space NFSv4 client session for the tests: Debian's libnfs (libnfs13) through ctypes.

One process is one libnfs context, so one NFS client (one client id, one TCP connection) that
lives across requests, which lets a test restart the server under it. It reads one JSON request
per line on stdin and answers one JSON line on stdout:

  {"op": "mount", "server": "127.0.0.11", "export": "/", "uid": 1000, "gid": 100}
  {"op": "write", "path": "/home/alice/f", "size": 65536, "seed": 7}   -> {"ok": true, "sha256": ...}
  {"op": "read", "path": "/home/alice/f"}                               -> {"ok": true, "size": .., "sha256": ..}
  {"op": "stat", "path": "/home/alice"}                                 -> {"ok": true, "uid": .., "gid": .., "mode": ..}
  {"op": "mkdir", "path": "/home/bob"}
  {"op": "chown", "path": "/home/bob", "uid": 1000, "gid": 100}
  {"op": "identity", "uid": 0, "gid": 0}     (the AUTH_SYS credentials of later requests)
  {"op": "readdir", "path": "/home"}          -> {"ok": true, "names": ["alice", ...]} (no . and ..)
  {"op": "lstat", "path": "/home/alice/f"}    -> stat's answer plus "type" (file, dir, link, other)
                                                 and "mtime" (seconds)
  {"op": "readbytes", "path": "/f", "offset": 0, "count": 65536}  -> {"ok": true, "data": <base64>}
  {"op": "putfile", "path": "/f", "data": <base64>, "mode": 420}  (exclusive create: never replaces)
  {"op": "chmod", "path": "/home/alice", "mode": 365}              (files and directories)

Errors come back as {"ok": false, "error": "<libnfs's message>"}, never as an exception.
"""

import base64
import ctypes
import ctypes.util
import hashlib
import json
import random
import sys

# libnfs 4.0's NFSv4 writes fail to encode above a few KiB per call ("Failed to encode
# COMPOUND4args"), so data goes in chunks of this size.
CHUNK = 1024
O_RDONLY = 0
# Linux's open flags: libnfs passes them on as the NFSv4 OPEN's share access and create mode.
O_WRONLY, O_CREAT, O_EXCL, O_TRUNC = 0o1, 0o100, 0o200, 0o1000


class Stat64(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_uint64)
        for name in (
            "dev", "ino", "mode", "nlink", "uid", "gid", "rdev", "size", "blksize", "blocks",
            "atime", "mtime", "ctime", "atime_nsec", "mtime_nsec", "ctime_nsec", "used",
        )
    ]


class DirEntry(ctypes.Structure):
    # Only the first two fields of libnfs' struct nfsdirent are read (next, name): the rest
    # differs between libnfs versions, so the type and size come from lstat.
    pass


DirEntry._fields_ = [("next", ctypes.POINTER(DirEntry)), ("name", ctypes.c_char_p)]

S_IFMT, S_IFDIR, S_IFREG, S_IFLNK = 0o170000, 0o040000, 0o100000, 0o120000


def load():
    lib = ctypes.CDLL(ctypes.util.find_library("nfs") or "libnfs.so.13")
    ptr = ctypes.c_void_p
    lib.nfs_init_context.restype = ptr
    lib.nfs_get_error.restype = ctypes.c_char_p
    lib.nfs_get_error.argtypes = [ptr]
    lib.nfs_set_version.argtypes = [ptr, ctypes.c_int]
    lib.nfs_set_uid.argtypes = [ptr, ctypes.c_int]
    lib.nfs_set_gid.argtypes = [ptr, ctypes.c_int]
    lib.nfs_set_autoreconnect.argtypes = [ptr, ctypes.c_int]
    lib.nfs_mount.argtypes = [ptr, ctypes.c_char_p, ctypes.c_char_p]
    lib.nfs_create.argtypes = [ptr, ctypes.c_char_p, ctypes.c_int, ctypes.c_int, ctypes.POINTER(ptr)]
    lib.nfs_open.argtypes = [ptr, ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ptr)]
    lib.nfs_close.argtypes = [ptr, ptr]
    lib.nfs_fsync.argtypes = [ptr, ptr]
    # libnfs 4.0: (context, handle, offset, count, buffer).
    lib.nfs_pwrite.argtypes = [ptr, ptr, ctypes.c_uint64, ctypes.c_uint64, ctypes.c_void_p]
    lib.nfs_pread.argtypes = [ptr, ptr, ctypes.c_uint64, ctypes.c_uint64, ctypes.c_void_p]
    lib.nfs_stat64.argtypes = [ptr, ctypes.c_char_p, ctypes.POINTER(Stat64)]
    lib.nfs_mkdir.argtypes = [ptr, ctypes.c_char_p]
    lib.nfs_mkdir2.argtypes = [ptr, ctypes.c_char_p, ctypes.c_int]
    lib.nfs_lchown.argtypes = [ptr, ctypes.c_char_p, ctypes.c_int, ctypes.c_int]
    lib.nfs_lstat64.argtypes = [ptr, ctypes.c_char_p, ctypes.POINTER(Stat64)]
    lib.nfs_lchmod.argtypes = [ptr, ctypes.c_char_p, ctypes.c_int]
    lib.nfs_opendir.argtypes = [ptr, ctypes.c_char_p, ctypes.POINTER(ptr)]
    lib.nfs_readdir.argtypes = [ptr, ptr]
    lib.nfs_readdir.restype = ctypes.POINTER(DirEntry)
    lib.nfs_closedir.argtypes = [ptr, ptr]
    return lib


class Session:
    def __init__(self, lib):
        self.lib = lib
        self.nfs = lib.nfs_init_context()
        lib.nfs_set_version(self.nfs, 4)
        # Reconnect forever: a restarted server is the case under test.
        lib.nfs_set_autoreconnect(self.nfs, -1)

    def fail(self, what):
        message = self.lib.nfs_get_error(self.nfs)
        return {"ok": False, "error": f"{what}: {message.decode() if message else 'unknown error'}"}

    def identity(self, req):
        self.lib.nfs_set_uid(self.nfs, int(req["uid"]))
        self.lib.nfs_set_gid(self.nfs, int(req["gid"]))
        return {"ok": True}

    def mount(self, req):
        self.identity(req)
        if self.lib.nfs_mount(self.nfs, req["server"].encode(), req.get("export", "/").encode()):
            return self.fail("mount")
        return {"ok": True}

    def write(self, req):
        data = random.Random(req.get("seed", 0)).randbytes(int(req["size"]))
        fh = ctypes.c_void_p()
        flags = O_WRONLY | O_CREAT | O_TRUNC
        mode = int(req.get("mode", 0o644))
        if self.lib.nfs_create(self.nfs, req["path"].encode(), flags, mode, ctypes.byref(fh)):
            return self.fail("create")
        for offset in range(0, len(data), CHUNK):
            piece = data[offset : offset + CHUNK]
            buf = ctypes.create_string_buffer(piece, len(piece))
            written = self.lib.nfs_pwrite(self.nfs, fh, offset, len(piece), buf)
            if written != len(piece):
                self.lib.nfs_close(self.nfs, fh)
                return self.fail(f"write at {offset}")
        if self.lib.nfs_fsync(self.nfs, fh):
            return self.fail("fsync")
        if self.lib.nfs_close(self.nfs, fh):
            return self.fail("close")
        return {"ok": True, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}

    def read(self, req):
        fh = ctypes.c_void_p()
        if self.lib.nfs_open(self.nfs, req["path"].encode(), O_RDONLY, ctypes.byref(fh)):
            return self.fail("open")
        digest, offset = hashlib.sha256(), 0
        buf = ctypes.create_string_buffer(CHUNK)
        while True:
            got = self.lib.nfs_pread(self.nfs, fh, offset, CHUNK, buf)
            if got < 0:
                self.lib.nfs_close(self.nfs, fh)
                return self.fail(f"read at {offset}")
            if got == 0:
                break
            digest.update(buf.raw[:got])
            offset += got
        self.lib.nfs_close(self.nfs, fh)
        return {"ok": True, "size": offset, "sha256": digest.hexdigest()}

    def stat(self, req):
        st = Stat64()
        if self.lib.nfs_stat64(self.nfs, req["path"].encode(), ctypes.byref(st)):
            return self.fail("stat")
        # Ids are 32 bits on the wire; libnfs widens them with their sign (-2 becomes 2**64 - 2).
        ids = {"uid": st.uid & 0xFFFFFFFF, "gid": st.gid & 0xFFFFFFFF}
        return {"ok": True, **ids, "mode": st.mode, "size": st.size, "used": st.used}

    def chown(self, req):
        # lchown: libnfs 4.0's chown OPENs the path first, which a directory refuses (NFS4ERR_ISDIR).
        if self.lib.nfs_lchown(self.nfs, req["path"].encode(), int(req["uid"]), int(req["gid"])):
            return self.fail("chown")
        return {"ok": True}

    def mkdir(self, req):
        path = req["path"].encode()
        # With a mode: the directory's mode is set as it is made (libnfs cannot chmod a directory).
        made = (
            self.lib.nfs_mkdir2(self.nfs, path, int(req["mode"]))
            if "mode" in req
            else self.lib.nfs_mkdir(self.nfs, path)
        )
        if made:
            return self.fail("mkdir")
        return {"ok": True}


    def readdir(self, req):
        handle = ctypes.c_void_p()
        if self.lib.nfs_opendir(self.nfs, req["path"].encode(), ctypes.byref(handle)):
            return self.fail("opendir")
        names = []
        while True:
            entry = self.lib.nfs_readdir(self.nfs, handle)
            if not entry:
                break
            name = entry.contents.name.decode("utf-8", "surrogateescape")
            if name not in (".", ".."):
                names.append(name)
        self.lib.nfs_closedir(self.nfs, handle)
        return {"ok": True, "names": sorted(names)}

    def lstat(self, req):
        st = Stat64()
        if self.lib.nfs_lstat64(self.nfs, req["path"].encode(), ctypes.byref(st)):
            return self.fail("lstat")
        kind = {S_IFDIR: "dir", S_IFREG: "file", S_IFLNK: "link"}.get(st.mode & S_IFMT, "other")
        ids = {"uid": st.uid & 0xFFFFFFFF, "gid": st.gid & 0xFFFFFFFF}
        return {"ok": True, "type": kind, "mode": st.mode & 0o7777, "size": st.size,
                "mtime": st.mtime, **ids}

    def readbytes(self, req):
        fh = ctypes.c_void_p()
        if self.lib.nfs_open(self.nfs, req["path"].encode(), O_RDONLY, ctypes.byref(fh)):
            return self.fail("open")
        out, offset, end = bytearray(), int(req["offset"]), int(req["offset"]) + int(req["count"])
        buf = ctypes.create_string_buffer(CHUNK)
        while offset < end:
            got = self.lib.nfs_pread(self.nfs, fh, offset, min(CHUNK, end - offset), buf)
            if got < 0:
                self.lib.nfs_close(self.nfs, fh)
                return self.fail(f"read at {offset}")
            if got == 0:
                break
            out += buf.raw[:got]
            offset += got
        self.lib.nfs_close(self.nfs, fh)
        return {"ok": True, "data": base64.b64encode(bytes(out)).decode()}

    def putfile(self, req):
        data = base64.b64decode(req["data"])
        fh = ctypes.c_void_p()
        # O_EXCL: libnfs creates exclusively anyway; an existing file is an error, never replaced.
        flags = O_WRONLY | O_CREAT | O_EXCL
        if self.lib.nfs_create(self.nfs, req["path"].encode(), flags, int(req.get("mode", 0o644)),
                               ctypes.byref(fh)):
            return self.fail("create")
        for offset in range(0, len(data), CHUNK):
            piece = data[offset : offset + CHUNK]
            buf = ctypes.create_string_buffer(piece, len(piece))
            if self.lib.nfs_pwrite(self.nfs, fh, offset, len(piece), buf) != len(piece):
                self.lib.nfs_close(self.nfs, fh)
                return self.fail(f"write at {offset}")
        if self.lib.nfs_fsync(self.nfs, fh) or self.lib.nfs_close(self.nfs, fh):
            return self.fail("close")
        return {"ok": True, "size": len(data)}

    def chmod(self, req):
        # lchmod: like chown, libnfs 4.0's chmod OPENs the path first, which a directory refuses.
        if self.lib.nfs_lchmod(self.nfs, req["path"].encode(), int(req["mode"])):
            return self.fail("chmod")
        return {"ok": True}


def main():
    session = Session(load())
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        handler = getattr(session, req["op"], None)
        answer = handler(req) if handler else {"ok": False, "error": f"unknown op {req['op']}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
