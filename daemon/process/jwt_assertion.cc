#include "daemon/process/jwt_assertion.h"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "daemon/config/config.h"  // ReadSecretFile

namespace liasse {

absl::StatusOr<ServiceAccountKey> ReadServiceAccountKey(const std::string& path) {
  absl::StatusOr<std::string> text = ReadSecretFile(path);
  if (!text.ok()) return text.status();
  nlohmann::json j = nlohmann::json::parse(*text, nullptr, false);
  if (!j.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a service account key (JSON)"));
  }
  ServiceAccountKey key;
  key.client_email = j.value("client_email", "");
  key.private_key = j.value("private_key", "");
  if (key.client_email.empty() || key.private_key.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": a service account key needs client_email and private_key"));
  }
  return key;
}

absl::StatusOr<std::string> SignJwtAssertion(const ServiceAccountKey& key,
                                             const std::string& subject,
                                             const std::string& audience,
                                             const std::vector<std::string>& scopes,
                                             absl::Time now) {
  int64_t iat = absl::ToUnixSeconds(now);
  nlohmann::json claims = {{"iss", key.client_email}, {"sub", subject},
                           {"aud", audience},         {"scope", absl::StrJoin(scopes, " ")},
                           {"iat", iat},              {"exp", iat + 3600}};
  std::string input = absl::StrCat(absl::WebSafeBase64Escape(R"({"alg":"RS256","typ":"JWT"})"),
                                   ".", absl::WebSafeBase64Escape(claims.dump()));
  std::unique_ptr<BIO, void (*)(BIO*)> bio(
      BIO_new_mem_buf(key.private_key.data(), static_cast<int>(key.private_key.size())),
      BIO_free_all);
  std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)> pkey(
      bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr,
      EVP_PKEY_free);
  if (!pkey) return absl::InvalidArgumentError("the service account's private_key is not a PEM key");
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  size_t len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pkey.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    return absl::InternalError("cannot sign the assertion (RS256)");
  }
  std::string signature(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &len,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    return absl::InternalError("cannot sign the assertion (RS256)");
  }
  signature.resize(len);
  return absl::StrCat(input, ".", absl::WebSafeBase64Escape(signature));
}

}  // namespace liasse
