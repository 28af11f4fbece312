#include "workflows/bank_matching.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace liasse {

std::string FoldLabel(absl::string_view s) {
  // Lower-case ASCII letters and digits; accents of Latin-1 folded.
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == 0xC3 && i + 1 < s.size()) {
      unsigned char n = static_cast<unsigned char>(s[++i]);
      char base = (n >= 0xA0 && n <= 0xA5) || (n >= 0x80 && n <= 0x85) ? 'a'
                  : (n == 0xA7 || n == 0x87)                            ? 'c'
                  : (n >= 0xA8 && n <= 0xAB) || (n >= 0x88 && n <= 0x8B) ? 'e'
                  : (n >= 0xAC && n <= 0xAF) || (n >= 0x8C && n <= 0x8F) ? 'i'
                  : (n >= 0xB2 && n <= 0xB6) || (n >= 0x92 && n <= 0x96) ? 'o'
                  : (n >= 0xB9 && n <= 0xBC) || (n >= 0x99 && n <= 0x9C) ? 'u'
                                                                         : ' ';
      out.push_back(base);
    } else if (absl::ascii_isalnum(c)) {
      out.push_back(absl::ascii_tolower(c));
    } else {
      out.push_back(' ');
    }
  }
  return out;
}

bool NeedsReceipt(const BankTxn& txn, const MatchOptions& options) {
  if (txn.amount.cents >= 0) return false;
  if (-txn.amount.cents < options.min_amount.cents) return false;
  std::string label = FoldLabel(txn.label);
  for (const std::string& ignore : options.ignore_labels) {
    std::string needle(absl::StripAsciiWhitespace(FoldLabel(ignore)));
    if (!needle.empty() && absl::StrContains(label, needle)) return false;
  }
  return true;
}

double NameSimilarity(absl::string_view supplier, absl::string_view label) {
  std::set<std::string> a, b;
  for (absl::string_view w : absl::StrSplit(FoldLabel(supplier), ' ', absl::SkipEmpty())) {
    if (w.size() >= 3 && w != "sas" && w != "sarl" && w != "cb" && w != "carte") a.insert(std::string(w));
  }
  for (absl::string_view w : absl::StrSplit(FoldLabel(label), ' ', absl::SkipEmpty())) {
    if (w.size() >= 3) b.insert(std::string(w));
  }
  if (a.empty() || b.empty()) return 0;
  int shared = 0;
  for (const std::string& w : a) {
    for (const std::string& v : b) {
      if (w == v || (w.size() >= 5 && absl::StartsWith(v, w)) || (v.size() >= 5 && absl::StartsWith(w, v))) {
        ++shared;
        break;
      }
    }
  }
  return static_cast<double>(shared) / static_cast<double>(a.size());
}

std::vector<Match> MatchDebits(const std::vector<MatchDebit>& debits,
                               const std::vector<MatchDocument>& documents,
                               const MatchOptions& options) {
  struct Candidate {
    double score;
    size_t debit;
    size_t doc;
  };
  std::vector<Candidate> all;
  for (size_t i = 0; i < debits.size(); ++i) {
    for (size_t j = 0; j < documents.size(); ++j) {
      const MatchDebit& t = debits[i];
      const MatchDocument& d = documents[j];
      int days = DaysBetween(t.date, d.date);  // document date - debit date
      if (days < -options.days_before || days > options.days_after) continue;
      double score;
      bool foreign = !d.currency.empty() && d.currency != "EUR";
      if (!foreign && d.total == t.amount) {
        score = 10;
      } else if (foreign && std::llabs(d.total.cents - t.amount.cents) * 100 <=
                                t.amount.cents * options.fx_tolerance_percent) {
        score = 6;
      } else {
        continue;
      }
      score += 3 * NameSimilarity(d.supplier, t.label);
      score -= std::abs(days) / 30.0;
      all.push_back({score, i, j});
    }
  }
  std::sort(all.begin(), all.end(), [](const Candidate& a, const Candidate& b) {
    return a.score > b.score;
  });
  std::vector<bool> debit_used(debits.size()), doc_used(documents.size());
  std::vector<Match> out;
  for (size_t k = 0; k < all.size(); ++k) {
    const Candidate& c = all[k];
    if (debit_used[c.debit] || doc_used[c.doc]) continue;
    // A tie for this debit or this document with another free candidate:
    // nothing tells them apart, a person decides.
    bool tie = false;
    for (size_t m = k + 1; m < all.size() && all[m].score >= c.score - 1e-9; ++m) {
      const Candidate& o = all[m];
      if (debit_used[o.debit] || doc_used[o.doc]) continue;
      if (o.debit == c.debit || o.doc == c.doc) tie = true;
    }
    if (tie) {
      debit_used[c.debit] = true;
      continue;
    }
    debit_used[c.debit] = doc_used[c.doc] = true;
    out.push_back({debits[c.debit].id, documents[c.doc].id});
  }
  return out;
}

std::optional<int64_t> ConfirmingDebit(const MatchDocument& document,
                                       const std::vector<MatchDebit>& debits,
                                       const MatchOptions& options) {
  if (!document.currency.empty() && document.currency != "EUR") return std::nullopt;
  if (document.total.cents <= 0) return std::nullopt;
  // The purchase's day as labels print it: "05/11", "05.11", "0511".
  unsigned day = static_cast<unsigned>(document.date.day());
  unsigned month = static_cast<unsigned>(document.date.month());
  std::vector<std::string> day_marks;
  for (const char* sep : {"/", ".", "-", ""}) {
    day_marks.push_back(absl::StrFormat("%02u%s%02u", day, sep, month));
  }
  std::optional<int64_t> found;
  for (const MatchDebit& t : debits) {
    if (t.amount != document.total) continue;
    int days = DaysBetween(t.date, document.date);
    if (days < -options.days_before || days > options.days_after) continue;
    bool dated = std::any_of(day_marks.begin(), day_marks.end(), [&](const std::string& mark) {
      size_t at = t.label.find(mark);
      // Not inside a longer number (a card number, an amount).
      return at != std::string::npos &&
             (at == 0 || !absl::ascii_isdigit(static_cast<unsigned char>(t.label[at - 1]))) &&
             (at + mark.size() == t.label.size() ||
              !absl::ascii_isdigit(static_cast<unsigned char>(t.label[at + mark.size()])));
    });
    if (!dated && NameSimilarity(document.supplier, t.label) <= 0) continue;
    if (found) return std::nullopt;  // two debits fit: nothing says which
    found = t.id;
  }
  return found;
}

}  // namespace liasse
