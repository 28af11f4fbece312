#include "daemon/process/extract_worker.h"

int main(int argc, char** argv) { return liasse::ExtractWorkerMain(argc, argv); }
