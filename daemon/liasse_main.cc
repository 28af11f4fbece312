#include "daemon/cli/cli.h"

int main(int argc, char** argv) { return liasse::LiasseMain(argc, argv); }
