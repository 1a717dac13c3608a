#!/usr/bin/env python3
"""Drive a terminal program on a pseudo-terminal and measure what it writes.

usage: ptyharness.py [options] [--do ACTION]... -- COMMAND [ARG]...

The program gets a ROWSxCOLS pty (TIOCSWINSZ before exec) and TERM from
--term; cursor position queries (ESC [6n) are answered with row 1 col 1. Every byte it writes is read and counted; "quiet" means nothing
arrived for --quiet-ms. Actions run in order after the first frame:

  send:TEXT    write TEXT (JSON string escapes: \\t \\r \\u001b ...), wait (up to 5 s)
               for output and then until quiet; records bytes and ms to the last byte
  wait:MS      keep reading for MS milliseconds
  keys:TEXT    type each character of TEXT alone, wait until quiet after each,
               record the bytes written for it (per-key statistics)
  idle:SEC     write nothing for SEC seconds; record the bytes written and the
               CPU time (utime+stime from /proc) of the program in that time
  mark:NAME    record the time since the previous mark/start as NAME (ms)

At the end Ctrl-C is sent (--quit), the program is waited for, and a JSON
summary is printed on stdout. The CPU of --pid-name (a descendant, e.g. when
COMMAND is /usr/bin/time) is measured instead of COMMAND's own.
"""
import argparse
import fcntl
import json
import os
import pty
import select
import signal
import statistics
import struct
import sys
import termios
import time


def descendants(pid):
    out = []
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            kids = [int(x) for x in f.read().split()]
    except OSError:
        return out
    for k in kids:
        out.append(k)
        out.extend(descendants(k))
    return out


def comm(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return ""


def cpu_ticks(pid):
    """utime + stime of pid, in clock ticks."""
    with open(f"/proc/{pid}/stat") as f:
        stat = f.read()
    fields = stat[stat.rindex(")") + 2:].split()
    return int(fields[11]) + int(fields[12])  # fields 14 and 15 of stat(5)


class Pty:
    def __init__(self, argv, rows, cols, term, env_extra):
        env = dict(os.environ)
        env["TERM"] = term
        env.update(env_extra)
        self.start = time.monotonic()
        pid, fd = pty.fork()
        if pid == 0:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
            try:
                os.execvpe(argv[0], argv, env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        self.total = 0
        self.dump = None
        self.eof = False

    def read_for(self, seconds):
        """Reads everything for `seconds`; returns the bytes count."""
        n = 0
        end = time.monotonic() + seconds
        while not self.eof:
            left = end - time.monotonic()
            if left <= 0:
                break
            n += self._read(left)
        return n

    def _read(self, timeout):
        r, _, _ = select.select([self.fd], [], [], max(0.0, timeout))
        if not r:
            return 0
        try:
            data = os.read(self.fd, 65536)
        except OSError:  # EIO: the slave side closed
            data = b""
        if not data:
            self.eof = True
            return 0
        self.total += len(data)
        # Answer cursor position reports (ratatui asks once at start), as a
        # terminal would: the cursor is at the top left.
        for _ in range(data.count(b"\x1b[6n")):
            os.write(self.fd, b"\x1b[1;1R")
        if self.dump:
            self.dump.write(data)
        self.last = time.monotonic()
        return len(data)

    def until_quiet(self, quiet, first=5.0):
        """Waits up to `first` s for output, then reads until nothing came
        for `quiet` s. Returns (bytes, seconds from the call to the last byte)."""
        t0 = time.monotonic()
        n, last = 0, None
        while not self.eof:
            timeout = quiet if n else first - (time.monotonic() - t0)
            if timeout <= 0:
                break
            got = self._read(timeout)
            if got:
                n += got
                last = time.monotonic()
            elif n:
                break
        return n, ((last - t0) if last else 0.0)

    def write(self, data):
        os.write(self.fd, data)

    def finish(self, quit_bytes, timeout=10.0):
        if quit_bytes and not self.eof:
            try:
                self.write(quit_bytes)
            except OSError:
                pass
        end = time.monotonic() + timeout
        while not self.eof and time.monotonic() < end:
            self._read(0.1)
        for _ in range(int(timeout * 10)):
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status)
            time.sleep(0.1)
        os.kill(self.pid, signal.SIGKILL)
        return os.waitstatus_to_exitcode(os.waitpid(self.pid, 0)[1])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=24)
    ap.add_argument("--cols", type=int, default=80)
    ap.add_argument("--term", default="xterm-256color")
    ap.add_argument("--quiet-ms", type=float, default=150)
    ap.add_argument("--first-quiet-ms", type=float, default=None,
                    help="quiet time that ends the first frame (default: --quiet-ms)")
    ap.add_argument("--pid-name", default=None, help="measure CPU of the descendant with this comm")
    ap.add_argument("--env", action="append", default=[], help="NAME=VALUE for the program")
    ap.add_argument("--dump", default=None, help="write every byte read to this file")
    ap.add_argument("--quit", default="\\u0003", help="sent at the end (JSON escapes); '' for nothing")
    ap.add_argument("--do", action="append", default=[], dest="actions")
    ap.add_argument("command", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    argv = a.command[1:] if a.command[:1] == ["--"] else a.command
    if not argv:
        ap.error("no command")
    quiet = a.quiet_ms / 1000
    env = dict(e.split("=", 1) for e in a.env)
    decode = lambda s: json.loads('"' + s + '"').encode()

    p = Pty(argv, a.rows, a.cols, a.term, env)
    if a.dump:
        p.dump = open(a.dump, "wb")
    res = {"term": a.term, "size": f"{a.cols}x{a.rows}", "command": argv}
    n, t = p.until_quiet((a.first_quiet_ms or a.quiet_ms) / 1000)
    res["first_frame_bytes"] = n
    res["first_frame_ms"] = round((p.last - p.start) * 1000, 1) if n else None
    marks, keys, idles, sends = {}, [], [], []
    mark_t = time.monotonic()
    for act in a.actions:
        kind, _, arg = act.partition(":")
        if kind == "send":
            p.write(decode(arg))
            n, dt = p.until_quiet(quiet)
            sends.append({"text": arg, "bytes": n, "ms": round(dt * 1000, 1)})
        elif kind == "wait":
            p.read_for(float(arg) / 1000)
        elif kind == "mark":
            now = time.monotonic()
            marks[arg] = round((now - mark_t) * 1000, 1)
            mark_t = now
        elif kind == "keys":
            for ch in json.loads('"' + arg + '"'):
                p.write(ch.encode())
                n, dt = p.until_quiet(quiet)
                keys.append({"key": ch, "bytes": n, "echo_ms": round(dt * 1000, 2)})
        elif kind == "idle":
            target = p.pid
            if a.pid_name:
                found = [d for d in descendants(p.pid) if comm(d) == a.pid_name]
                target = found[0] if found else p.pid
            c0, b0, t0 = cpu_ticks(target), p.total, time.monotonic()
            p.read_for(float(arg))
            c1 = cpu_ticks(target)
            idles.append({
                "seconds": round(time.monotonic() - t0, 2),
                "bytes": p.total - b0,
                "cpu_ms": round((c1 - c0) * 1000 / os.sysconf("SC_CLK_TCK"), 1),
                "pid": target,
            })
        else:
            ap.error(f"unknown action {act}")
    if keys:
        b = [k["bytes"] for k in keys]
        res["keys"] = keys
        res["key_bytes_median"] = statistics.median(b)
        res["key_bytes_min"], res["key_bytes_max"] = min(b), max(b)
        res["key_echo_ms_median"] = statistics.median(k["echo_ms"] for k in keys)
    if idles:
        res["idle"] = idles
    res["sends"] = sends
    res["marks_ms"] = marks
    res["exit"] = p.finish(decode(a.quit) if a.quit else b"")
    res["total_bytes"] = p.total
    print(json.dumps(res, ensure_ascii=False))


if __name__ == "__main__":
    main()
