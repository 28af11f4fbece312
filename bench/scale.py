#!/usr/bin/python3
"""Firm-scale benchmark (issue "Fast at firm scale"): a real liassed on a
state dir holding 5,000 clients (from the config) and 1,000,000 documents
filled by the store's own code (liasse-scale-fill: Store::ImportDocuments,
EnsureItem, InsertOutbox), Zipf-like (a few clients with 20,000 documents,
most with ~160), a `received` and a `status` event per document, two years
of monthly items per client and six sent reminders. Over the unix socket
with python3-grpcio:

  - start-up: process start -> a GetStatus answered on the socket;
  - idle CPU of the daemon, from 5 s after the socket appears, and its RSS;
  - p50/p95/p99 with one caller and with four concurrent callers of
    GetStatus, GetClient, GetDocument, ListDocuments (first and deep page,
    big and small client, with and without a status filter), ListMissing
    first page, a catch-up of 1,000 events (WatchEvents, WatchEventBatches,
    ListEvents), and one dry-run SendReminders over every client;
  - 200 text PDFs dropped into a big client's folder until each is final,
    against the same 200 PDFs on an empty state dir in the same run (the
    reference: the issue asks for at most 1.5x).

  bench/scale.py [--build build] [--clients 5000] [--documents 1000000]
                 [--keep DIR] [--reps 200] [--idle-seconds 60]

Builds liassed and liasse-scale-fill when missing. --keep DIR keeps (or
reuses) the filled state in DIR (DIR/liasse.toml serves it on
DIR/var/liasse.sock; the database is DIR/var/liasse.db): filling takes
minutes.
"""
import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from run_intake import cpu_seconds, make_pdfs, rss_kib  # noqa: E402

BIG_CLIENTS = 10
BIG_DOCUMENTS = 20000
NOW = "2026-11-30T10:00:00.000000Z"


def client_id(i):
    return "c%05d" % i


def write_config(work, clients):
    with open(os.path.join(work, "liasse.toml"), "w") as f:
        f.write('[daemon]\nstate_dir = "var"\ninbox_root = "var/inbox"\n'
                'listen = "unix:var/liasse.sock"\n\n')
        for i in range(clients):
            f.write('[[client]]\nid = "%s"\nname = "Client %d SARL"\nemails = ["c%d@example.fr"]\n'
                    'expects = [{ kind = "bank_statement", every = "month", due_day = 10 }]\n\n'
                    % (client_id(i), i, i))


def stubs(work):
    out = os.path.join(work, "gen")
    os.makedirs(out, exist_ok=True)
    subprocess.run([sys.executable, "-m", "grpc_tools.protoc", "-I", os.path.join(ROOT, "proto"),
                    "--python_out", out, "--grpc_python_out", out,
                    os.path.join(ROOT, "proto", "liasse", "v1", "liasse.proto")], check=True)
    sys.path.insert(0, out)
    from liasse.v1 import liasse_pb2, liasse_pb2_grpc
    return liasse_pb2, liasse_pb2_grpc


class Daemon:
    def __init__(self, build, work):
        env = dict(os.environ, OMP_THREAD_LIMIT="1")
        self.socket = os.path.join(work, "var", "liasse.sock")
        if os.path.exists(self.socket):
            os.unlink(self.socket)
        self.started = time.time()
        self.proc = subprocess.Popen([os.path.join(build, "daemon", "liassed"), "--config",
                                      os.path.join(work, "liasse.toml")], cwd=work, env=env,
                                     stderr=subprocess.DEVNULL)

    def wait_serving(self, pb, grpc_mod, timeout=300):
        """Seconds from process start to a GetStatus answered."""
        while time.time() - self.started < timeout:
            if os.path.exists(self.socket):
                try:
                    ch = grpc_mod.insecure_channel("unix:" + self.socket)
                    stub = pb[1].LiasseStub(ch)
                    stub.GetStatus(pb[0].GetStatusRequest(), timeout=5)
                    return time.time() - self.started, ch, stub
                except Exception:
                    pass
            time.sleep(0.02)
        raise RuntimeError("liassed did not serve within %d s" % timeout)

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def ensure_built(build):
    """liassed and liasse-scale-fill, built when missing (a fresh clone)."""
    wanted = [os.path.join(build, "daemon", "liassed"),
              os.path.join(build, "bench", "liasse-scale-fill")]
    if all(os.path.exists(p) for p in wanted):
        return
    if not os.path.exists(os.path.join(build, "CMakeCache.txt")):
        subprocess.run(["cmake", "-S", ROOT, "-B", build, "-G", "Ninja",
                        "-DCMAKE_BUILD_TYPE=Release"], check=True)
    subprocess.run(["cmake", "--build", build, "-j2", "--target", "liassed",
                    "liasse-scale-fill"], check=True)


def fill(build, work, clients, documents):
    """Rows written by the store's own code (the daemon made the schema and
    the clients from the config)."""
    out = subprocess.run([os.path.join(build, "bench", "liasse-scale-fill"),
                          os.path.join(work, "var", "liasse.db"), str(clients), str(documents),
                          str(BIG_CLIENTS), str(BIG_DOCUMENTS)],
                         check=True, stdout=subprocess.PIPE, text=True)
    return int(out.stdout.strip())


def timed(fn, reps, callers=1):
    """p50, p95, p99 in ms of `reps` calls, made by `callers` threads at once."""
    out = []
    lock = threading.Lock()

    def run(n):
        mine = []
        for _ in range(n):
            t = time.perf_counter()
            fn()
            mine.append(1000 * (time.perf_counter() - t))
        with lock:
            out.extend(mine)

    threads = [threading.Thread(target=run, args=(reps // callers,)) for _ in range(callers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.sort()

    def pct(p):
        return out[min(len(out) - 1, int(len(out) * p))]
    return pct(0.5), pct(0.95), pct(0.99)


def pending_and_total(pb2, stub):
    st = stub.GetStatus(pb2.GetStatusRequest(), timeout=30)
    final = {pb2.DONE, pb2.NEEDS_REVIEW, pb2.QUARANTINED}
    return sum(q.count for q in st.queue if q.status not in final), st.document_count


def drop_pdfs(pb2, stub, work, folder, n):
    """Seconds from the first PDF dropped to all of them final."""
    staging = os.path.join(work, "staging")
    shutil.rmtree(staging, ignore_errors=True)
    os.makedirs(staging)
    _, before = pending_and_total(pb2, stub)
    # Distinct from any earlier run's (--keep): a duplicate adds no document.
    paths = make_pdfs(work, n, tag="%x-" % int(time.time() * 1000))
    os.makedirs(folder, exist_ok=True)
    t0 = time.time()
    for p in paths:
        os.rename(p, os.path.join(folder, os.path.basename(p)))
    while time.time() - t0 < 1800:
        pending, total = pending_and_total(pb2, stub)
        if total >= before + n and pending == 0:
            return time.time() - t0
        time.sleep(0.05)
    raise RuntimeError("the PDFs did not reach a final state in 30 min")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--clients", type=int, default=5000)
    ap.add_argument("--documents", type=int, default=1000000)
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--pdfs", type=int, default=200)
    ap.add_argument("--idle-seconds", type=int, default=60)
    ap.add_argument("--keep", help="directory to keep (or reuse) the filled state in")
    args = ap.parse_args()
    import grpc
    ensure_built(args.build)
    tmp = tempfile.mkdtemp(prefix="liasse-scale-")
    work = args.keep or os.path.join(tmp, "big")
    empty = os.path.join(tmp, "empty")
    pb = stubs(tmp)
    pb2 = pb[0]
    daemon = None
    try:
        filled = os.path.exists(os.path.join(work, "var", "liasse.db"))
        if not filled:
            os.makedirs(work, exist_ok=True)
            write_config(work, args.clients)
            print("creating the schema and %d clients..." % args.clients, file=sys.stderr)
            daemon = Daemon(args.build, work)
            daemon.wait_serving(pb, grpc)
            daemon.stop()
            daemon = None
            t = time.time()
            n = fill(args.build, work, args.clients, args.documents)
            print("filled %d documents in %.0f s" % (n, time.time() - t), file=sys.stderr)

        # The reference: the same PDFs on an empty state dir, same config.
        os.makedirs(empty)
        write_config(empty, args.clients)
        daemon = Daemon(args.build, empty)
        _, _, stub = daemon.wait_serving(pb, grpc)
        empty_pdfs = drop_pdfs(pb2, stub, empty, os.path.join(empty, "var", "inbox",
                                                               client_id(0)), args.pdfs)
        daemon.stop()

        daemon = Daemon(args.build, work)
        startup, ch, stub = daemon.wait_serving(pb, grpc)
        socket_seen = time.time()
        time.sleep(max(0.0, socket_seen + 5 - time.time()))
        c0 = cpu_seconds(daemon.proc.pid)
        time.sleep(args.idle_seconds)
        idle = 100 * (cpu_seconds(daemon.proc.pid) - c0) / args.idle_seconds

        big, small = "clients/" + client_id(0), "clients/" + client_id(BIG_CLIENTS + 17)
        first = stub.ListDocuments(pb2.ListDocumentsRequest(client=big, page_size=1)).documents[0]
        deep_big = str(first.id + BIG_DOCUMENTS - 200)
        small_docs = stub.ListDocuments(pb2.ListDocumentsRequest(client=small, page_size=1000))
        deep_small = str(small_docs.documents[len(small_docs.documents) // 2].id)
        doc_name = "documents/%d" % (args.documents // 2)

        # A follower 1,000 events behind (all clients), and a small
        # client's whole log; the streams end when caught up (no follow).
        db = sqlite3.connect("file:%s?mode=ro" % os.path.join(work, "var", "liasse.db"), uri=True)
        behind = db.execute("SELECT MAX(seq) FROM event").fetchone()[0] - 1000
        db.close()

        def watch(client, after):
            return sum(1 for _ in stub.WatchEvents(
                pb2.WatchEventsRequest(client=client, after_seq=after)))

        def watch_batches(client, after):
            return sum(len(b.events) for b in stub.WatchEventBatches(
                pb2.WatchEventsRequest(client=client, after_seq=after)))

        def list_events(client, after):
            n, token = 0, ""
            while True:
                page = stub.ListEvents(pb2.ListEventsRequest(client=client, after_seq=after,
                                                             page_size=1000, page_token=token))
                n += len(page.events)
                token = page.next_page_token
                if not token:
                    return n

        calls = [
            ("GetStatus", lambda: stub.GetStatus(pb2.GetStatusRequest())),
            ("GetClient, big client", lambda: stub.GetClient(pb2.GetClientRequest(name=big))),
            ("GetClient, small client", lambda: stub.GetClient(pb2.GetClientRequest(name=small))),
            ("GetDocument", lambda: stub.GetDocument(pb2.GetDocumentRequest(name=doc_name))),
        ]
        for label, client, deep in (("big", big, deep_big), ("small", small, deep_small)):
            for status, slabel in ((0, ""), (pb2.NEEDS_REVIEW, ", status filter")):
                calls.append(("ListDocuments, %s client, first page%s" % (label, slabel),
                              lambda c=client, s=status: stub.ListDocuments(
                                  pb2.ListDocumentsRequest(client=c, status=s, page_size=50))))
                calls.append(("ListDocuments, %s client, deep page%s" % (label, slabel),
                              lambda c=client, s=status, d=deep: stub.ListDocuments(
                                  pb2.ListDocumentsRequest(client=c, status=s, page_size=50,
                                                           page_token=d))))
        calls += [
            ("ListMissing, all clients, first page",
             lambda: stub.ListMissing(pb2.ListMissingRequest(page_size=100))),
            ("ListMissing, one client", lambda: stub.ListMissing(
                pb2.ListMissingRequest(client=small, page_size=100))),
        ]
        for label, fn in (("WatchEvents", watch), ("WatchEventBatches", watch_batches),
                          ("ListEvents", list_events)):
            calls.append(("%s catch-up, 1,000 events behind, all clients" % label,
                          lambda f=fn: f("", behind)))
            calls.append(("%s catch-up, small client from the start" % label,
                          lambda f=fn: f(small, 0)))
        rows = []
        for label, fn in calls:
            fn()  # warm
            rows.append((label, timed(fn, args.reps), timed(fn, args.reps, callers=4)))
        rss = rss_kib(daemon.proc.pid)
        remind = timed(lambda: stub.SendReminders(pb2.SendRemindersRequest(dry_run=True),
                                                  timeout=600), 3)[::2]
        big_pdfs = drop_pdfs(pb2, stub, work, os.path.join(work, "var", "inbox", client_id(1)),
                             args.pdfs)
        status = stub.GetStatus(pb2.GetStatusRequest())

        print("\nliassed with %d clients, %d documents (%s)\n" % (
            status.client_count, status.document_count, time.strftime("%Y-%m-%d")))
        print("| call | p50 | p95 | p99 | 4 callers: p50 | p95 | p99 | target |")
        print("|---|---|---|---|---|---|---|---|")
        for label, one, four in rows:
            print("| `%s` | %.2f ms | %.2f ms | %.2f ms | %.2f ms | %.2f ms | %.2f ms | p99 < 5 ms |"
                  % ((label,) + one + four))
        print("| `SendReminders` dry run, every client (3 runs) | %.0f ms | | %.0f ms | | | | |"
              % remind)
        print("\n| figure | value | target |")
        print("|---|---|---|")
        print("| start-up to a serving socket | %.2f s | < 2 s |" % startup)
        print("| idle CPU, %d s from 5 s after the socket | %.2f %% | < 0.5 %% |"
              % (args.idle_seconds, idle))
        print("| RSS after the calls | %.0f MiB | |" % (rss / 1024))
        print("| %d PDFs to a final state: empty state dir | %.1f s | |" % (args.pdfs, empty_pdfs))
        print("| %d PDFs to a final state: %d documents | %.1f s (%.2fx the empty state dir) "
              "| <= 1.5x |" % (args.pdfs, status.document_count - args.pdfs, big_pdfs,
                               big_pdfs / empty_pdfs))
        ch.close()
    finally:
        if daemon:
            daemon.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
