#!/usr/bin/python3
"""Firm-scale benchmark (issue "Fast at firm scale"): a real liassed on a
state dir holding 5,000 clients (from the config) and 1,000,000 documents
with the daemon's own row shapes, Zipf-like (a few clients with 20,000
documents, most with ~160), one event per document, items and outbox rows
alongside. Over the unix socket with python3-grpcio, one caller:

  - start-up: process start → a GetStatus answered on the socket;
  - idle CPU of the daemon, from 5 s after the socket appears;
  - p50/p99 of GetStatus, GetClient, GetDocument, ListDocuments (first and
    deep page, big and small client, with and without a status filter),
    ListMissing first page, WatchEvents catch-up of 1,000 events, and one
    dry-run SendReminders over every client;
  - 200 text PDFs dropped into a big client's folder until each is final,
    against the same 200 PDFs on an empty state dir in the same run (the
    reference: the issue asks for at most 1.5x).

  bench/scale.py [--build build] [--clients 5000] [--documents 1000000]
                 [--keep DIR] [--reps 200]

--keep DIR keeps (or reuses) the filled state in DIR: filling takes minutes.
"""
import argparse
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from run_intake import cpu_seconds, make_pdfs  # noqa: E402

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


def fill(work, clients, documents):
    """Rows as the daemon writes them, straight into its schema (the
    triggers keep the counters as they do for the daemon)."""
    db = sqlite3.connect(os.path.join(work, "var", "liasse.db"))
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA cache_size = -1000000")
    rng = random.Random(7)
    small = (documents - BIG_CLIENTS * BIG_DOCUMENTS) // max(1, clients - BIG_CLIENTS)
    fields = ('{"supplier_name":"Fournisseur %d","supplier_siren":null,"supplier_vat":null,'
              '"invoice_number":"F-%d","issue_date":"2026-10-%02d","due_date":null,'
              '"currency":"EUR","total_excl_tax":"%d.00","total_tax":"%d.00",'
              '"total_incl_tax":"%d.00","amount_due":null,"iban":null,"type_code":null,'
              '"buyer_name":null,"buyer_siren":null,"buyer_vat":null,"direction":"purchase",'
              '"tax_breakdown":[]}')
    text = "FACTURE\nFournisseur %d\nTotal TTC %d,00 EUR\n" + "ligne de détail\n" * 8
    statuses = ["done"] * 90 + ["needs_review"] * 8 + ["quarantined"] * 2
    doc = 0
    t0 = time.time()
    db.execute("BEGIN")
    for c in range(clients):
        cid = client_id(c)
        n = BIG_DOCUMENTS if c < BIG_CLIENTS else max(1, int(small * rng.uniform(0.5, 1.5)))
        rows, events = [], []
        for _ in range(n):
            doc += 1
            amount = rng.randint(5, 5000)
            status = rng.choice(statuses)
            rows.append((cid, "%064x" % doc, "folder", "facture-%d.pdf" % doc, NOW,
                         "application/pdf", 20000 + doc % 5000, 1, "pdf_text", "invoice",
                         fields % (doc % 400, doc, doc % 28 + 1, amount, amount // 5,
                                   amount + amount // 5),
                         status, NOW, text % (doc % 400, amount), "F-%d" % doc))
            events.append((NOW, "received", cid, doc, '{"source":"folder"}'))
        db.executemany(
            "INSERT INTO document (client_id, sha256, source, original_name, received_at, mime, "
            "size_bytes, pages, text_source, doc_type, fields, status, updated_at, text_content, "
            "invoice_number) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        db.executemany("INSERT INTO event (ts, kind, client_id, document_id, payload) "
                       "VALUES (?, ?, ?, ?, ?)", events)
        items = []
        for m in range(24):  # two years of monthly statements, due the 10th after
            year, month = 2025 + m // 12, m % 12 + 1
            due_year, due_month = (year, month + 1) if month < 12 else (year + 1, 1)
            state = "open" if m >= 21 else "received"
            items.append((cid, "%d-%02d" % (year, month), "bank_statement",
                          "%d-%02d-10" % (due_year, due_month), state, NOW, NOW))
        db.executemany("INSERT OR IGNORE INTO item (client_id, period, kind, due_date, state, "
                       "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)", items)
        db.executemany("INSERT INTO outbox (client_id, kind, slot, message_id, state, created_at, "
                       "sent_at, message) VALUES (?, 'reminder', ?, ?, 'sent', ?, ?, ?)",
                       [(cid, "2026-%02d#%d" % (m, c), "r%d-%d@bench" % (c, m), NOW, NOW,
                         "Subject: relance\r\n\r\n" + "x" * 800) for m in range(1, 7)])
        if c % 500 == 499:
            db.execute("COMMIT")
            db.execute("BEGIN")
            print("  filled %d clients, %d documents (%.0f s)" % (c + 1, doc, time.time() - t0),
                  file=sys.stderr)
    db.execute("COMMIT")
    db.execute("ANALYZE")
    db.close()
    return doc


def timed(fn, reps):
    out = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        out.append(1000 * (time.perf_counter() - t))
    out.sort()
    return out[len(out) // 2], out[min(len(out) - 1, int(len(out) * 0.99))]


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
    ap.add_argument("--idle-seconds", type=int, default=20)
    ap.add_argument("--keep", help="directory to keep (or reuse) the filled state in")
    args = ap.parse_args()
    import grpc
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
            n = fill(work, args.clients, args.documents)
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

        def watch_catch_up(client):
            n = 0
            for _ in stub.WatchEvents(pb2.WatchEventsRequest(client=client, after_seq=0)):
                n += 1
                if n == 1000:
                    break

        def list_catch_up(client):
            n, token = 0, ""
            while n < 1000:
                page = stub.ListEvents(pb2.ListEventsRequest(client=client, page_size=1000,
                                                             page_token=token))
                n += len(page.events)
                token = page.next_page_token
                if not token:
                    break

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
            ("WatchEvents catch-up, small client from the start (its ~240 events)",
             lambda: watch_catch_up(small)),
            ("WatchEvents catch-up, 1,000 events, every client from the start",
             lambda: watch_catch_up("")),
            ("ListEvents catch-up, small client from the start", lambda: list_catch_up(small)),
            ("ListEvents catch-up, 1,000 events, every client from the start",
             lambda: list_catch_up("")),
        ]
        rows = []
        for label, fn in calls:
            fn()  # warm
            p50, p99 = timed(fn, args.reps)
            rows.append((label, p50, p99))
        remind = timed(lambda: stub.SendReminders(pb2.SendRemindersRequest(dry_run=True),
                                                  timeout=600), 3)
        big_pdfs = drop_pdfs(pb2, stub, work, os.path.join(work, "var", "inbox", client_id(1)),
                             args.pdfs)
        status = stub.GetStatus(pb2.GetStatusRequest())

        print("\nliassed with %d clients, %d documents (%s)\n" % (
            status.client_count, status.document_count, time.strftime("%Y-%m-%d")))
        print("| call | p50 | p99 | target |")
        print("|---|---|---|---|")
        for label, p50, p99 in rows:
            print("| `%s` | %.2f ms | %.2f ms | p99 < 5 ms |" % (label, p50, p99))
        print("| `SendReminders` dry run, every client (3 runs) | %.0f ms | %.0f ms | |"
              % remind)
        print("\n| figure | value | target |")
        print("|---|---|---|")
        print("| start-up to a serving socket | %.2f s | < 2 s |" % startup)
        print("| idle CPU, %d s from 5 s after the socket | %.2f %% | < 0.5 %% |"
              % (args.idle_seconds, idle))
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
