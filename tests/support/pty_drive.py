#!/usr/bin/env python3
"""Runs a program on a pseudo-terminal of its own (80x24), for tests/e2e_tmux.rs.

pty_drive.py SCRIPT -- PROGRAM ARGS...

SCRIPT is JSON: a list of steps, each one of
  {"wait": "TEXT", "timeout": S}   wait until TEXT has appeared in the output
  {"send": "TEXT"}                 write TEXT (UTF-8) to the terminal
  {"send_hex": "ff1b"}             write raw bytes
  {"paste": N}                     a bracketed paste of N bytes of digits
  {"sleep": S}
  {"mark": true}                   later waits look only at output after this point
  {"close": true, "block_hup": B}  close the terminal (the far end going away)
  {"resize": [COLS, ROWS]}
The last step may be "close": then the program's exit is timed.
Prints one JSON line: {"exited_after_close": S or null, "status": N, "output_tail": "...",
"queried_terminal": B}. The terminal answers no query (ESC [ 6 n gets nothing back);
"queried_terminal" says whether the program sent one.
With "block_hup" the program starts with SIGHUP blocked, so only its
input reaching its end (EOF / EIO) can tell it the terminal is gone.
"""
import fcntl, json, os, pty, re, select, signal, struct, sys, termios, time

def main():
    script = json.loads(sys.argv[1])
    argv = sys.argv[sys.argv.index("--") + 1:]
    block_hup = any(s.get("block_hup") for s in script)
    pid, fd = pty.fork()
    if pid == 0:
        if block_hup:
            signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGHUP])
        os.execvp(argv[0], argv)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    out = bytearray()

    def pump(t):
        """Reads the program's output for t seconds (t = 0: what is there)."""
        end = time.time() + t
        while True:
            left = max(0.0, end - time.time())
            r, _, _ = select.select([fd], [], [], left)
            if not r:
                if time.time() >= end:
                    return
                continue
            try:
                b = os.read(fd, 65536)
            except OSError:
                return
            if not b:
                return
            out.extend(b)
            if time.time() >= end:
                return

    csi = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]")

    def seen(text):
        # What was printed, in order, without the cursor moves between
        # characters (each CJK character is placed on its own).
        return text in csi.sub("", out[mark:].decode("utf-8", "replace"))

    mark = 0
    result = {"exited_after_close": None, "status": None}
    for step in script:
        if "wait" in step:
            end = time.time() + step.get("timeout", 10)
            while not seen(step["wait"]) and time.time() < end:
                pump(0.05)
            if not seen(step["wait"]):
                result["failed_wait"] = step["wait"]
                break
        elif "send" in step:
            os.write(fd, step["send"].encode())
            pump(0.05)
        elif "send_hex" in step:
            os.write(fd, bytes.fromhex(step["send_hex"]))
            pump(0.05)
        elif "paste" in step:
            data = b"\x1b[200~" + b"1234567890" * (step["paste"] // 10) + b"\x1b[201~"
            view = memoryview(data)
            while view:
                _, w, _ = select.select([fd], [fd], [], 1)
                if fd in w:
                    n = os.write(fd, view[:4096])
                    view = view[n:]
                pump(0)
            pump(0.05)
        elif "mark" in step:
            mark = len(out)
        elif "sleep" in step:
            pump(step["sleep"])
        elif "resize" in step:
            c, r = step["resize"]
            fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", r, c, 0, 0))
            os.kill(pid, signal.SIGWINCH)
            pump(0.02)
        elif "close" in step:
            os.close(fd)
            t0 = time.time()
            while time.time() - t0 < 10:
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    result["exited_after_close"] = time.time() - t0
                    result["status"] = status
                    break
                time.sleep(0.01)
            else:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            fd = None
            break
    if fd is not None:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    result["output_tail"] = out[-2000:].decode("utf-8", "replace")
    # This terminal never answers a query: did the program ask one (the
    # cursor position, ESC [ 6 n; the device attributes, ESC [ c)?
    result["queried_terminal"] = b"\x1b[6n" in out or b"\x1b[c" in out or b"\x1b[0c" in out
    print(json.dumps(result))

main()
