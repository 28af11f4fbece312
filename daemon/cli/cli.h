// The `liasse` command-line client: talks to liassed over gRPC and prints
// tables, or one JSON object per line with --json.
#pragma once

namespace liasse {

// Exit status: 0 success, 1 daemon unreachable or call failed, 2 usage.
int LiasseMain(int argc, char** argv);

}  // namespace liasse
