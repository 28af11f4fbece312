// Why a mail server refused a bearer token. SASL XOAUTH2 and OAUTHBEARER
// failures arrive as a continuation holding base64 JSON (RFC 7628 §3.2.2:
// "+ eyJzdGF0dXMi..." in IMAP, "334 eyJ..." in SMTP) that libcurl answers and
// drops; a CURLOPT_DEBUGFUNCTION keeps it. Only the server's lines are
// looked at, so the token the client sends never passes through here.
#pragma once

#include <string>

namespace liasse {

class SaslErrorCapture {
 public:
  // Turns on CURLOPT_VERBOSE with this object as the debug callback of
  // `curl` (a CURL*); the object must outlive the handle's transfers.
  void Attach(void* curl);
  void Clear() { status_.clear(), scope_.clear(); }
  // Plain words for staff, "" when the server sent no error challenge.
  std::string Reason() const;

  // The debug callback's work on one line the server sent.
  void OnServerLine(const std::string& line);

 private:
  std::string status_;
  std::string scope_;
};

}  // namespace liasse
