// Builds test e-mails: a text body and attachments, base64-encoded.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace liasse::testing {

struct Part {
  std::string type;
  std::string name;  // "" = no filename
  std::string bytes;
  std::string disposition = "attachment";
};

inline std::string Message(const std::string& from, const std::string& to, const std::string& subject,
                    const std::string& body, const std::vector<Part>& parts,
                    const std::string& extra_headers = "",
                    const std::string& top_type = "multipart/mixed") {
  std::string m = absl::StrCat("From: ", from, "\r\nTo: ", to, "\r\nSubject: ", subject,
                               "\r\nMessage-ID: <", std::hash<std::string>{}(subject + body),
                               "@test>\r\nDate: Sat, 28 Nov 2026 10:00:00 +0100\r\n",
                               extra_headers, "MIME-Version: 1.0\r\n");
  if (parts.empty()) {
    return absl::StrCat(m, "Content-Type: text/plain; charset=utf-8\r\n\r\n", body, "\r\n");
  }
  absl::StrAppend(&m, "Content-Type: ", top_type, "; boundary=\"XYZ\"\r\n\r\n--XYZ\r\n",
                  "Content-Type: text/plain; charset=utf-8\r\n\r\n", body, "\r\n");
  for (const Part& p : parts) {
    absl::StrAppend(&m, "--XYZ\r\nContent-Type: ", p.type, "\r\n");
    if (p.type == "message/rfc822") {
      absl::StrAppend(&m, "\r\n", p.bytes, "\r\n");
      continue;
    }
    absl::StrAppend(&m, "Content-Transfer-Encoding: base64\r\n");
    if (!p.name.empty()) {
      absl::StrAppend(&m, "Content-Disposition: ", p.disposition, "; filename=\"", p.name, "\"\r\n");
    }
    absl::StrAppend(&m, "\r\n", absl::Base64Escape(p.bytes), "\r\n");
  }
  return m + "--XYZ--\r\n";
}

}  // namespace liasse::testing
