#!/usr/bin/env python3
"""The naive baseline for bench/sync_bench.sh: what a first-try uploader does.

usage: naive_client.py HUB_URL DATA_DIR APPS.jsonl

One HTTP request per record on a fresh connection (urllib), plain JSON, no
gzip, no batching: each application goes as a one-element batch
{"branch": B, "applications": [app]}. A photo goes first as a tus upload in
ONE PATCH of the whole file (no chunks, no checksum) so the hub accepts the
application. Any failure (timeout, reset, 5xx, non-JSON) retries the same
request after 1 s, so it completes on a lossy link like jingyou does.
Prints a summary line on stderr.
"""
import base64, json, os, sys, time, urllib.error, urllib.request

HUB, DATA, APPS = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3]
TIMEOUT = 60
retries = 0


def call(method, path, body=None, headers=None, want=(200,)):
    global retries
    while True:
        rq = urllib.request.Request(HUB + path, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(rq, timeout=TIMEOUT) as r:
                data = r.read()
                if r.status in want:
                    return r, data
        except urllib.error.HTTPError as e:
            if e.code in want:
                return e, e.read()
            if 400 <= e.code < 500 and e.code not in (408, 409, 429):
                raise SystemExit(f"naive: {method} {path}: HTTP {e.code}: {e.read()[:200]!r}")
        except Exception:
            pass
        retries += 1
        time.sleep(1)


def main():
    t0 = time.monotonic()
    n = photos = 0
    with open(APPS, encoding="utf-8") as f:
        for line in f:
            app = json.loads(line)
            branch = app["branch"]
            wire_att = []
            for a in app.pop("attachments", []):
                with open(os.path.join(DATA, a["path"]), "rb") as pf:
                    data = pf.read()
                b64 = lambda s: base64.b64encode(s.encode()).decode()
                md = f"branch {b64(branch)},application {b64(app['id'])},filename {b64(a['name'])}"
                r, _ = call("POST", "/v1/uploads", b"", {"Tus-Resumable": "1.0.0",
                            "Upload-Length": str(len(data)), "Upload-Metadata": md}, want=(201,))
                loc = r.headers["Location"]
                call("PATCH", loc, data, {"Tus-Resumable": "1.0.0", "Upload-Offset": "0",
                     "Content-Type": "application/offset+octet-stream"}, want=(204,))
                wire_att.append({"upload_id": loc.rsplit("/", 1)[-1], "sha256": a["sha256"],
                                 "size": a["size"]})
                photos += 1
            app.pop("hub_receipt", None)
            app.pop("purged", None)
            if wire_att:
                app["attachments"] = wire_att
            body = json.dumps({"branch": branch, "applications": [app]}, ensure_ascii=False).encode()
            while True:
                _, reply = call("POST", "/v1/applications", body,
                                {"Content-Type": "application/json"})
                try:
                    res = json.loads(reply)["results"][0]
                except Exception:
                    retries_add()
                    continue
                if res["status"] in ("accepted", "duplicate"):
                    break
                raise SystemExit(f"naive: {app['id']} rejected: {res}")
            n += 1
    print(f"naive: {n} applications, {photos} photos, {retries} retries, "
          f"{time.monotonic() - t0:.1f} s", file=sys.stderr)


def retries_add():
    global retries
    retries += 1
    time.sleep(1)


main()
