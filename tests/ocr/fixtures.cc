#include "tests/ocr/fixtures.h"

#include <cairo-pdf.h>
#include <cairo.h>

#include <cmath>
#include <fstream>
#include <sstream>

namespace liasse::testing {
namespace {

constexpr double kA4WidthPt = 595.0;
constexpr double kA4HeightPt = 842.0;

cairo_status_t AppendToString(void* closure, const unsigned char* data,
                              unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

struct Print {
  const char* font = "DejaVu Sans";
  double grey = 0;  // 0 black … 1 white
  double size = 13, left = 60, top = 90, line_step = 24;
};

// Draws the lines, by default in points on a page of A4 size.
void DrawLines(cairo_t* cr, const std::vector<std::string>& lines, const Print& print = {}) {
  cairo_set_source_rgb(cr, print.grey, print.grey, print.grey);
  cairo_select_font_face(cr, print.font, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, print.size);
  double y = print.top;
  for (const std::string& line : lines) {
    cairo_move_to(cr, print.left, y);
    cairo_show_text(cr, line.c_str());
    y += print.line_step;
  }
}

// Renders the lines to a grey image surface of an A4 page at `dpi`.
cairo_surface_t* RenderPage(const std::vector<std::string>& lines, int dpi,
                            int rotate_degrees) {
  double scale = dpi / 72.0;
  int w = static_cast<int>(std::lround(kA4WidthPt * scale));
  int h = static_cast<int>(std::lround(kA4HeightPt * scale));
  bool swap = rotate_degrees == 90 || rotate_degrees == 270;
  cairo_surface_t* surface =
      cairo_image_surface_create(CAIRO_FORMAT_RGB24, swap ? h : w, swap ? w : h);
  cairo_t* cr = cairo_create(surface);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  // Turn the page around its centre.
  cairo_translate(cr, (swap ? h : w) / 2.0, (swap ? w : h) / 2.0);
  cairo_rotate(cr, rotate_degrees * M_PI / 180.0);
  cairo_translate(cr, -w / 2.0, -h / 2.0);
  cairo_scale(cr, scale, scale);
  DrawLines(cr, lines);
  cairo_destroy(cr);
  cairo_surface_flush(surface);
  return surface;
}

void DrawScannedPage(cairo_t* cr, const std::vector<std::string>& lines, int dpi,
                     int rotate_degrees) {
  cairo_surface_t* image = RenderPage(lines, dpi, rotate_degrees);
  bool swap = rotate_degrees == 90 || rotate_degrees == 270;
  cairo_save(cr);
  double scale = 72.0 / dpi;
  cairo_scale(cr, scale, scale);
  cairo_set_source_surface(cr, image, 0, 0);
  cairo_paint(cr);
  cairo_restore(cr);
  cairo_surface_destroy(image);
  (void)swap;
}

}  // namespace

std::vector<std::string> FrenchInvoiceLines() {
  return {"FACTURE N° FA-2026-118",
          "Boulangerie Martin SARL, 12 rue de la Paix, 69002 Lyon",
          "SIREN 732 829 320 - TVA FR44732829320",
          "Date : 28/11/2026      Échéance : 28/12/2026",
          "Désignation                Quantité      Montant",
          "Pain de campagne               120         324,00 €",
          "Viennoiseries assorties         85         910,56 €",
          "Total HT                                 1 234,56 €",
          "TVA 20 %                                   246,91 €",
          "Total TTC                                1 481,47 €",
          "Réglé par virement - IBAN FR76 3000 6000 0112 3456 7890 189"};
}

std::vector<std::string> SupermarketTicketLines() {
  return {"CARREFOUR MARKET",
          "12 AVENUE JEAN JAURES 69007 LYON",
          "SIRET 652 014 051 00019",
          "LAIT DEMI ECREME 1L            1,15",
          "PAIN DE MIE                    2,39",
          "POMMES GOLDEN 1,2KG            3,12",
          "CAFE MOULU 250G                4,55",
          "VIANDE HACHEE 5%              12,90",
          "FROMAGE COMTE                  8,45",
          "EAU MINERALE X6                3,24",
          "YAOURTS NATURE X8              2,60",
          "PATES 500G                     1,20",
          "HUILE OLIVE 50CL               5,60",
          "TOTAL TTC                     45,20 EUR",
          "CB                            45,20",
          "dont TVA 5,5%                  2,36",
          "05/11/2026 10:32  CAISSE 004  TICKET 0123",
          "MERCI DE VOTRE VISITE"};
}

std::vector<std::string> BakeryCashTicketLines() {
  return {"BOULANGERIE PATISSERIE DU MARCHE",
          "3 place du Marche 31000 Toulouse",
          "BAGUETTE TRADITION   2 x 1,30    2,60",
          "CROISSANT            3 x 1,10    3,30",
          "TARTE AUX POMMES                 4,50",
          "TOTAL                           10,40",
          "ESPECES                         20,00",
          "RENDU                            9,60",
          "TVA 5,50%   HT 9,86   TVA 0,54",
          "Le 07/11/2026 a 08h12"};
}

std::vector<std::string> FuelTicketLines() {
  return {"STATION RELAIS DES ALPES",
          "RN 85 38000 GRENOBLE",
          "Date : 06/11/2026   Heure : 18:45",
          "Pompe 04   GAZOLE",
          "38,52 L x 1,619 EUR/L",
          "MONTANT                62,36 EUR",
          "TVA 20,00%             10,39",
          "PAIEMENT CB SANS CONTACT",
          "Montant : 62,36 EUR"};
}

std::string MakeTextPdf(const std::vector<std::vector<std::string>>& pages) {
  std::string out;
  cairo_surface_t* surface = cairo_pdf_surface_create_for_stream(
      AppendToString, &out, kA4WidthPt, kA4HeightPt);
  cairo_t* cr = cairo_create(surface);
  for (const auto& lines : pages) {
    DrawLines(cr, lines);
    cairo_show_page(cr);
  }
  cairo_destroy(cr);
  cairo_surface_finish(surface);
  cairo_surface_destroy(surface);
  return out;
}

std::string MakeScannedPdf(const std::vector<std::vector<std::string>>& pages,
                           int dpi, int rotate_degrees) {
  std::string out;
  bool swap = rotate_degrees == 90 || rotate_degrees == 270;
  cairo_surface_t* surface = cairo_pdf_surface_create_for_stream(
      AppendToString, &out, swap ? kA4HeightPt : kA4WidthPt,
      swap ? kA4WidthPt : kA4HeightPt);
  cairo_t* cr = cairo_create(surface);
  for (const auto& lines : pages) {
    DrawScannedPage(cr, lines, dpi, rotate_degrees);
    cairo_show_page(cr);
  }
  cairo_destroy(cr);
  cairo_surface_finish(surface);
  cairo_surface_destroy(surface);
  return out;
}

std::string MakeMixedPdf(const std::vector<std::string>& text_page,
                         const std::vector<std::string>& scanned_page) {
  std::string out;
  cairo_surface_t* surface = cairo_pdf_surface_create_for_stream(
      AppendToString, &out, kA4WidthPt, kA4HeightPt);
  cairo_t* cr = cairo_create(surface);
  DrawLines(cr, text_page);
  cairo_show_page(cr);
  DrawScannedPage(cr, scanned_page, 300, 0);
  cairo_show_page(cr);
  cairo_destroy(cr);
  cairo_surface_finish(surface);
  cairo_surface_destroy(surface);
  return out;
}

std::string MakePng(const std::vector<std::string>& lines, int dpi,
                    int rotate_degrees) {
  cairo_surface_t* surface = RenderPage(lines, dpi, rotate_degrees);
  std::string out;
  cairo_surface_write_to_png_stream(surface, AppendToString, &out);
  cairo_surface_destroy(surface);
  return out;
}

std::string MakeFaintReceiptOnTablePng(const std::vector<std::string>& lines) {
  constexpr int kWidth = 900, kHeight = 1600, kPaperLeft = 250, kPaperWidth = 400;
  cairo_surface_t* surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, kWidth, kHeight);
  cairo_t* cr = cairo_create(surface);
  cairo_set_source_rgb(cr, 0, 0, 0);
  cairo_paint(cr);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_rectangle(cr, kPaperLeft, 0, kPaperWidth, kHeight);
  cairo_fill(cr);
  DrawLines(cr, lines,
            {.font = "DejaVu Sans Mono", .grey = 0.78, .size = 28, .left = kPaperLeft + 20,
             .top = 200, .line_step = 40});
  cairo_destroy(cr);
  cairo_surface_flush(surface);
  std::string out;
  cairo_surface_write_to_png_stream(surface, AppendToString, &out);
  cairo_surface_destroy(surface);
  return out;
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace liasse::testing
