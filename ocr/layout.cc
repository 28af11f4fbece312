#include "ocr/layout.h"

#include <algorithm>

#include "absl/strings/ascii.h"

namespace liasse {

namespace {

struct Row {
  int top = 0, bottom = 0;  // of the segment that opened the row (no chaining)
  int lowest = 0;           // the bottom of its lowest segment
  std::vector<const TextSegment*> segments;
};

int Height(const TextSegment& s) { return std::max(1, s.bottom - s.top); }

bool FitsRow(const Row& row, const TextSegment& s) {
  int overlap = std::min(row.bottom, s.bottom) - std::max(row.top, s.top);
  if (2 * overlap < std::min(std::max(1, row.bottom - row.top), Height(s))) return false;
  return std::none_of(row.segments.begin(), row.segments.end(), [&](const TextSegment* other) {
    return s.left < other->right && other->left < s.right;
  });
}

}  // namespace

std::string LayoutRows(std::vector<TextSegment> segments) {
  for (TextSegment& s : segments) {
    absl::string_view t = absl::StripAsciiWhitespace(s.text);
    s.text = std::string(t);
  }
  segments.erase(std::remove_if(segments.begin(), segments.end(),
                                [](const TextSegment& s) { return s.text.empty(); }),
                 segments.end());
  if (segments.empty()) return "";
  std::sort(segments.begin(), segments.end(), [](const TextSegment& a, const TextSegment& b) {
    return a.top + a.bottom < b.top + b.bottom;
  });
  std::vector<int> heights;
  for (const TextSegment& s : segments) heights.push_back(Height(s));
  std::nth_element(heights.begin(), heights.begin() + heights.size() / 2, heights.end());
  int line_height = heights[heights.size() / 2];

  std::vector<Row> rows;
  for (const TextSegment& s : segments) {
    // Only rows that reach this segment's top can hold it: look back from
    // the latest until rows end above it.
    Row* home = nullptr;
    for (auto r = rows.rbegin(); r != rows.rend() && r->bottom > s.top - 2 * line_height; ++r) {
      if (FitsRow(*r, s)) {
        home = &*r;
        break;
      }
    }
    if (home == nullptr) {
      rows.push_back({s.top, s.bottom, s.bottom, {}});
      home = &rows.back();
    }
    home->segments.push_back(&s);
    home->lowest = std::max(home->lowest, s.bottom);
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const Row& a, const Row& b) { return a.top + a.bottom < b.top + b.bottom; });

  std::string out;
  int previous_bottom = -1;
  for (Row& row : rows) {
    std::sort(row.segments.begin(), row.segments.end(),
              [](const TextSegment* a, const TextSegment* b) { return a->left < b->left; });
    if (previous_bottom >= 0 && row.top - previous_bottom > line_height) out += "\n";
    for (size_t i = 0; i < row.segments.size(); ++i) {
      if (i > 0) out += "    ";
      out += row.segments[i]->text;
    }
    out += "\n";
    previous_bottom = std::max(previous_bottom, row.lowest);
  }
  return out;
}

}  // namespace liasse
