#!/usr/bin/python3
"""Intake benchmarks on a real liassed (embedded default, temp dir):

  1. file closed → row committed: p50/p99 latency over N small text PDFs,
     each moved into a client folder one after the other;
  2. throughput: documents/s for intake alone (archive + row + event) and for
     the whole pipeline with the real reader (until every document is final);
  3. idle daemon: CPU over a period with 50 watched folders, and RSS.

  bench/run_intake.py [--build build] [--files 1000] [--idle-seconds 60]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def make_pdfs(work, n, tag=""):
    """Small distinct text PDFs, written by hand (no dependency); `tag`
    makes them differ from another run's."""
    paths = []
    for i in range(n):
        text = "(FACTURE BENCH-%s%d Total TTC %d,00 EUR) Tj" % (tag, i, i)
        stream = "BT /F1 14 Tf 72 720 Td %s ET" % text
        objs = [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
            "/Resources << /Font << /F1 5 0 R >> >> >>",
            "<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
        out = "%PDF-1.4\n"
        offsets = []
        for k, o in enumerate(objs):
            offsets.append(len(out))
            out += "%d 0 obj\n%s\nendobj\n" % (k + 1, o)
        xref = len(out)
        out += "xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
        for off in offsets:
            out += "%010d 00000 n \n" % off
        out += "trailer << /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
        p = os.path.join(work, "staging", "bench-%05d.pdf" % i)
        with open(p, "w") as f:
            f.write(out)
        paths.append(p)
    return paths


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--idle-seconds", type=int, default=60)
    ap.add_argument("--interval-ms", type=float, default=10,
                    help="time between two files arriving (10 ms = 100 files/s)")
    args = ap.parse_args()
    liassed = os.path.join(args.build, "daemon", "liassed")
    liasse = os.path.join(args.build, "daemon", "liasse")
    work = tempfile.mkdtemp(prefix="liasse-intake-")
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    daemon = None
    try:
        os.makedirs(os.path.join(work, "staging"))
        for i in range(50):
            os.makedirs(os.path.join(work, "var", "inbox", "client%02d" % i))
        files = make_pdfs(work, args.files)
        daemon = subprocess.Popen([liassed], cwd=work, env=env, stderr=subprocess.DEVNULL)
        for _ in range(300):
            if os.path.exists(os.path.join(work, "var", "liasse.sock")):
                break
            time.sleep(0.05)
        time.sleep(0.5)

        # Idle first: 50 folders watched, nothing happening.
        c0 = cpu_seconds(daemon.pid)
        time.sleep(args.idle_seconds)
        idle_cpu = (cpu_seconds(daemon.pid) - c0) / args.idle_seconds
        idle_rss = rss_kib(daemon.pid)

        committed = {}
        follower = subprocess.Popen([liasse, "events", "--follow", "--json"], cwd=work,
                                    stdout=subprocess.PIPE, text=True)

        def follow():
            for line in follower.stdout:
                e = json.loads(line)
                if e.get("kind") == "received":
                    payload = json.loads(e.get("payload_json") or "{}")
                    committed[payload.get("name")] = time.time()

        t = threading.Thread(target=follow, daemon=True)
        t.start()
        moved = {}
        start = time.time()
        for i, p in enumerate(files):
            name = os.path.basename(p)
            dst = os.path.join(work, "var", "inbox", "client%02d" % (i % 50), name)
            moved[name] = time.time()
            os.rename(p, dst)  # a file closed elsewhere arrives whole
            time.sleep(args.interval_ms / 1000.0)
        deadline = time.time() + 300
        while len(committed) < len(files) and time.time() < deadline:
            time.sleep(0.05)
        intake_done = max(committed.values()) if committed else time.time()
        latencies = sorted(1000 * (committed[n] - moved[n]) for n in committed)
        # Whole pipeline: until nothing is pending.
        while time.time() < deadline:
            st = json.loads(subprocess.run([liasse, "status", "--json"], cwd=work,
                                           capture_output=True, text=True).stdout)
            pending = sum(int(q["count"]) for q in st["queue"]
                          if q["status"] not in ("DONE", "NEEDS_REVIEW", "QUARANTINED"))
            if pending == 0 and int(st["document_count"]) >= len(files):
                break
            time.sleep(0.1)
        pipeline_done = time.time()
        follower.kill()
        n = len(latencies)
        print("| benchmark | figure | target |")
        print("|---|---|---|")
        print("| file closed → row committed, p50 (%d files, one every %g ms) | %.1f ms | < 50 ms |"
              % (n, args.interval_ms, latencies[n // 2]))
        print("| file closed → row committed, p99 | %.1f ms | < 200 ms |"
              % latencies[min(n - 1, int(n * 0.99))])
        print("| intake alone (archive + row + event) | %.0f documents/s | |"
              % (n / (intake_done - start)))
        print("| whole pipeline with the real reader (text PDFs) | %.0f documents/s | |"
              % (n / (pipeline_done - start)))
        print("| idle daemon, 50 folders, %d s | %.2f %% CPU, RSS %d MiB | < 0.5 %% |"
              % (args.idle_seconds, 100 * idle_cpu, idle_rss // 1024))
    finally:
        if daemon:
            daemon.terminate()
            daemon.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
