// Hands one message to an SMTP server with libcurl (smtps://, or smtp://
// with STARTTLS required unless the server is on loopback).
// Errors: Unauthenticated when the server refused the login (password or
// token: not the message's fault), FailedPrecondition for a permanent
// refusal (5xx: the address or the message is wrong; retrying will not
// help), Unavailable for anything worth retrying (connection, 4xx, timeout).
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace liasse {

struct SmtpTarget {
  std::string url;  // smtps://host:465 or smtp://host:587
  std::string username;
  std::string password;      // or
  std::string bearer_token;  // SASL XOAUTH2 (an [[oauth]] profile's access token)
};

absl::Status SmtpSend(const SmtpTarget& target, const std::string& from,
                      const std::vector<std::string>& recipients, const std::string& message);

// The bare address of "Cabinet <collecte@cabinet.fr>".
std::string BareAddress(const std::string& mailbox);

}  // namespace liasse
