// Lines of a page as printed, from the boxes of the text lines OCR found.
// Tesseract's page layout reads a table's label column and its amount column
// as separate blocks ("Total TTC" pages away from "120,00"); putting the
// pieces that share a row back on one line gives what a PDF text layer gives
// in physical layout (pdftotext -layout), which the rules read.
#pragma once

#include <string>
#include <vector>

namespace liasse {

struct TextSegment {
  int left = 0, top = 0, right = 0, bottom = 0;  // pixels, y downwards
  std::string text;                             // one line of one block
};

// Segments whose vertical extents overlap by at least half the smaller
// height, and which do not overlap horizontally, form one row, left to
// right, separated by four spaces; rows top to bottom, a blank line where
// rows are further apart than a line height.
std::string LayoutRows(std::vector<TextSegment> segments);

}  // namespace liasse
