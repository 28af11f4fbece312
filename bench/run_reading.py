#!/usr/bin/python3
"""Reading benchmarks: liasse extract against the reference tools, on the same
input in the same run. Pages come from the text PDFs of ../shared/samples,
rendered to 300-dpi greyscale scans, so every page has a known true text (the
original PDF's own text layer).

  bench/run_reading.py [--build build] [--quick]

Prints one line per comparison with the ratio, and a Markdown table for the
README. Needs: tesseract, ocrmypdf, pdftoppm/pdftotext, img2pdf (Debian;
`apt-get install ocrmypdf` brings img2pdf — the tests do not need it, so
scripts/ does not install it).
"""
import argparse
import glob
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLES = os.path.normpath(os.path.join(ROOT, "..", "shared", "samples"))
ENV = dict(os.environ, OMP_THREAD_LIMIT="1")


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, env=ENV, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, **kw)


def timed(cmd, repeat=1):
    times = []
    for _ in range(repeat):
        t = time.monotonic()
        run(cmd)
        times.append(time.monotonic() - t)
    return statistics.median(times)


def cer(build, ref_text, hyp_text, work):
    rp, hp = os.path.join(work, "cer_ref.txt"), os.path.join(work, "cer_hyp.txt")
    with open(rp, "w") as f:
        f.write(ref_text)
    with open(hp, "w") as f:
        f.write(hyp_text)
    out = run([os.path.join(build, "bench", "liasse-cer"), rp, hp]).stdout.decode().split()
    return float(out[0])


def source_pages(limit):
    """(pdf, page) pairs from the samples' text PDFs, first pages first."""
    pdfs = sorted(glob.glob(os.path.join(SAMPLES, "invoice2data", "**", "*.pdf"), recursive=True))
    pdfs += sorted(glob.glob(os.path.join(SAMPLES, "zugferd_corpus", "**", "*.pdf"), recursive=True))
    pages = []
    for pdf in pdfs:
        text = run(["pdftotext", "-f", "1", "-l", "1", pdf, "-"]).stdout.decode(errors="replace")
        if len("".join(text.split())) < 200:
            continue  # not a text PDF: no ground truth
        pages.append((pdf, 1))
        if len(pages) >= limit:
            break
    return pages


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = ap.parse_args()
    liasse = os.path.join(args.build, "daemon", "liasse")
    cores = os.cpu_count() or 1
    work = tempfile.mkdtemp(prefix="liasse-bench-")
    rows = []
    try:
        pages = source_pages(10)
        if len(pages) < 10:
            sys.exit("need 10 text PDF pages in ../shared/samples")
        pngs, refs = [], []
        for i, (pdf, p) in enumerate(pages):
            base = os.path.join(work, "page%02d" % i)
            run(["pdftoppm", "-r", "300", "-gray", "-png", "-singlefile",
                 "-f", str(p), "-l", str(p), pdf, base])
            pngs.append(base + ".png")
            refs.append(run(["pdftotext", "-f", str(p), "-l", str(p), pdf, "-"]).stdout.decode(errors="replace"))
        import img2pdf
        scanned = os.path.join(work, "scanned10.pdf")
        with open(scanned, "wb") as f:
            f.write(img2pdf.convert(pngs))
        reference = "\n".join(refs)

        # 1. One scanned A4 page at 300 dpi, whole process.
        rep = 1 if args.quick else 3
        t_liasse = timed([liasse, "extract", "--json", pngs[0]], rep)
        t_tess = timed(["tesseract", pngs[0], os.path.join(work, "t1"), "-l", "fra+eng", "--psm", "1"], rep)
        rows.append(("scanned A4 page, 300 dpi (whole process)", "tesseract --psm 1",
                     "%.2f s" % t_liasse, "%.2f s" % t_tess, "%.2f×" % (t_liasse / t_tess), "≤ 1.1×"))

        # 2. Ten-page image-only PDF.
        t = time.monotonic()
        out = run([liasse, "extract", "--json", "--text", scanned]).stdout.decode()
        t_liasse10 = time.monotonic() - t
        ours = json.loads(out.splitlines()[0])
        ours_text = ours.get("text") or ""
        t = time.monotonic()
        run(["ocrmypdf", "-q", "-l", "fra+eng", "--output-type", "pdfa", "-O", "1", "--jobs", str(cores),
             scanned, os.path.join(work, "ocrmypdf.pdf")])
        theirs_text = run(["pdftotext", os.path.join(work, "ocrmypdf.pdf"), "-"]).stdout.decode(errors="replace")
        t_ocrmypdf = time.monotonic() - t
        cer_ours = cer(args.build, reference, ours_text, work)
        cer_theirs = cer(args.build, reference, theirs_text, work)
        rows.append(("10-page scanned PDF, %d cores" % cores, "ocrmypdf -O 1 + pdftotext",
                     "%.1f s (CER %.1f %%)" % (t_liasse10, 100 * cer_ours),
                     "%.1f s (CER %.1f %%)" % (t_ocrmypdf, 100 * cer_theirs),
                     "%.2f× faster" % (t_ocrmypdf / t_liasse10), "≥ 3× faster, CER ≤ ocrmypdf's"))

        # 3. Text-layer PDFs: files per second.
        text_pdfs = [pdf for pdf, _ in pages]
        n = 200
        files = []
        for i in range(n):
            dst = os.path.join(work, "text%03d.pdf" % i)
            shutil.copy(text_pdfs[i % len(text_pdfs)], dst)
            files.append(dst)
        t = time.monotonic()
        run([liasse, "extract", "--json"] + files)
        t_ours = time.monotonic() - t
        t = time.monotonic()
        for f in files:
            run(["pdftotext", f, os.path.join(work, "out.txt")])
        t_pdftotext = time.monotonic() - t
        rows.append(("%d text-layer PDFs" % n, "pdftotext (one process per file)",
                     "%.0f files/s (%.1f ms/file)" % (n / t_ours, 1000 * t_ours / n),
                     "%.0f files/s (%.1f ms/file)" % (n / t_pdftotext, 1000 * t_pdftotext / n),
                     "%.2f× pdftotext's time" % (t_ours / t_pdftotext), "≥ 100 files/s, ≤ 2×"))

        # 4. Peak RSS: the largest of liasse and its workers.
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        run([liasse, "extract", "--json", scanned])
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        rows.append(("peak RSS of one worker (Tesseract fra+eng loaded)", "", "%d MiB" % (max(peak, before) // 1024),
                     "", "", ""))

        # 5. Rendering resolution: 200 vs 300 dpi on the same pages.
        t200 = t300 = 0.0
        c200, c300 = [], []
        for i, (pdf, p) in enumerate(pages[:5 if args.quick else 10]):
            for dpi in (200, 300):
                base = os.path.join(work, "dpi%d_%02d" % (dpi, i))
                run(["pdftoppm", "-r", str(dpi), "-gray", "-png", "-singlefile", "-f", str(p), "-l", str(p), pdf, base])
                t = time.monotonic()
                txt = run(["tesseract", base + ".png", "-", "-l", "fra+eng", "--psm", "1"]).stdout.decode(errors="replace")
                dt = time.monotonic() - t
                c = cer(args.build, refs[i], txt, work)
                if dpi == 200:
                    t200 += dt
                    c200.append(c)
                else:
                    t300 += dt
                    c300.append(c)
        rows.append(("OCR at 200 dpi vs 300 dpi (tesseract, same pages)", "300 dpi",
                     "%.1f s (CER %.1f %%)" % (t200, 100 * statistics.mean(c200)),
                     "%.1f s (CER %.1f %%)" % (t300, 100 * statistics.mean(c300)),
                     "%.0f %% of the time" % (100 * t200 / t300), ""))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print("| benchmark | reference | liasse | reference | ratio | target |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    main()
