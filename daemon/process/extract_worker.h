// The extraction helper process (liasse-worker): reads one JSON request per
// line on a socket, reads the named file, and answers with a JSON line. It
// holds one Tesseract engine, created at its first OCR job and reused. Its
// address space is limited; the parent kills it on a deadline.
#pragma once

namespace liasse {

// liasse-worker's main(): --fd N --options JSON [--memory-mb M].
int ExtractWorkerMain(int argc, char** argv);

}  // namespace liasse
