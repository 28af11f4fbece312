// Character error rate of a text against a reference: Levenshtein distance
// over the reference length, after lower-casing and removing whitespace (OCR
// and text layers disagree on spacing and line breaks, not on characters).
// Usage: liasse-cer REFERENCE_FILE HYPOTHESIS_FILE → prints the CER.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

std::u32string Normalize(const std::string& utf8) {
  std::u32string out;
  for (size_t i = 0; i < utf8.size();) {
    unsigned char c = static_cast<unsigned char>(utf8[i]);
    char32_t cp;
    int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : 4;
    cp = len == 1 ? c : c & (0x7F >> len);
    for (int k = 1; k < len && i + k < utf8.size(); ++k) {
      cp = (cp << 6) | (static_cast<unsigned char>(utf8[i + k]) & 0x3F);
    }
    i += len;
    if (cp == ' ' || cp == '\n' || cp == '\t' || cp == '\r' || cp == '\f' || cp == 0xA0) continue;
    if (cp >= 'A' && cp <= 'Z') cp += 32;
    out.push_back(cp);
  }
  return out;
}

std::string Slurp(const char* path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: liasse-cer REFERENCE HYPOTHESIS\n");
    return 2;
  }
  std::u32string ref = Normalize(Slurp(argv[1]));
  std::u32string hyp = Normalize(Slurp(argv[2]));
  std::vector<size_t> prev(hyp.size() + 1), cur(hyp.size() + 1);
  for (size_t j = 0; j <= hyp.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= ref.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= hyp.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1,
                         prev[j - 1] + (ref[i - 1] == hyp[j - 1] ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  double cer = ref.empty() ? 0.0 : static_cast<double>(prev[hyp.size()]) / ref.size();
  std::printf("%.4f %zu %zu\n", cer, prev[hyp.size()], ref.size());
  return 0;
}
