#include "daemon/daemon.h"

int main(int argc, char** argv) { return liasse::LiassedMain(argc, argv); }
