// Character error rate of a text against a reference: Levenshtein distance
// over the reference length, after lower-casing and removing whitespace (OCR
// and text layers disagree on spacing and line breaks, not on characters).
// Usage: liasse-cer [--lines] REFERENCE_FILE HYPOTHESIS_FILE → prints
// "CER ERRORS REFERENCE_CHARS".
//
// --lines: reading order aside. Each reference line is paired with at most
// one hypothesis line, closest pairs first (greedy on the distance relative
// to the longer line); a pair costs its edit distance, a reference line left
// alone its length (deleted), a hypothesis line left alone its length
// (inserted: noise read as text). Receipts' columns make OCR engines and
// annotators order lines differently; the characters are what is judged.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
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

size_t Distance(const std::u32string& ref, const std::u32string& hyp) {
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
  return prev[hyp.size()];
}

std::vector<std::u32string> Lines(const std::string& text) {
  std::vector<std::u32string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::u32string n = Normalize(line);
    if (!n.empty()) lines.push_back(std::move(n));
  }
  return lines;
}

// Errors of the best one-to-one pairing of lines (greedy), and the
// reference's length.
std::pair<size_t, size_t> LineErrors(const std::string& ref_text, const std::string& hyp_text) {
  std::vector<std::u32string> ref = Lines(ref_text), hyp = Lines(hyp_text);
  struct Pair {
    double relative;
    size_t distance, r, h;
  };
  std::vector<Pair> pairs;
  for (size_t r = 0; r < ref.size(); ++r) {
    for (size_t h = 0; h < hyp.size(); ++h) {
      size_t d = Distance(ref[r], hyp[h]);
      size_t longer = std::max(ref[r].size(), hyp[h].size());
      // A pair worse than deleting one and inserting the other is no pair.
      if (d >= ref[r].size() + hyp[h].size()) continue;
      pairs.push_back({static_cast<double>(d) / static_cast<double>(longer), d, r, h});
    }
  }
  std::sort(pairs.begin(), pairs.end(), [](const Pair& a, const Pair& b) {
    return a.relative != b.relative ? a.relative < b.relative : a.distance < b.distance;
  });
  std::vector<bool> ref_used(ref.size()), hyp_used(hyp.size());
  size_t errors = 0, ref_chars = 0;
  for (const Pair& p : pairs) {
    if (ref_used[p.r] || hyp_used[p.h]) continue;
    // Only worth pairing when it beats leaving both alone.
    if (p.distance >= ref[p.r].size() + hyp[p.h].size()) continue;
    ref_used[p.r] = hyp_used[p.h] = true;
    errors += p.distance;
  }
  for (size_t r = 0; r < ref.size(); ++r) {
    ref_chars += ref[r].size();
    if (!ref_used[r]) errors += ref[r].size();
  }
  for (size_t h = 0; h < hyp.size(); ++h) {
    if (!hyp_used[h]) errors += hyp[h].size();
  }
  return {errors, ref_chars};
}

}  // namespace

int main(int argc, char** argv) {
  bool lines = argc == 4 && std::string(argv[1]) == "--lines";
  if (argc != 3 && !lines) {
    std::fprintf(stderr, "usage: liasse-cer [--lines] REFERENCE HYPOTHESIS\n");
    return 2;
  }
  std::string ref_text = Slurp(argv[argc - 2]), hyp_text = Slurp(argv[argc - 1]);
  size_t errors, ref_chars;
  if (lines) {
    std::tie(errors, ref_chars) = LineErrors(ref_text, hyp_text);
  } else {
    std::u32string ref = Normalize(ref_text), hyp = Normalize(hyp_text);
    errors = Distance(ref, hyp);
    ref_chars = ref.size();
  }
  double cer = ref_chars == 0 ? 0.0 : static_cast<double>(errors) / ref_chars;
  std::printf("%.4f %zu %zu\n", cer, errors, ref_chars);
  return 0;
}
