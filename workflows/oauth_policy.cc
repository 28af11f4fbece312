#include "workflows/oauth_policy.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace liasse {

absl::Time NextRenewalAllowed(const TokenState& state) {
  if (state.last_attempt == absl::InfinitePast()) return absl::InfinitePast();
  absl::Duration spacing = kMinRenewSpacing;
  if (state.failures_in_row > 0) {
    spacing = kFailureBackoff;
    for (int i = 1; i < state.failures_in_row && spacing < kMaxBackoff; ++i) spacing *= 2;
    spacing = std::min(spacing, kMaxBackoff);
  }
  return state.last_attempt + spacing;
}

TokenDecision DecideToken(const TokenState& state, absl::Time now) {
  bool valid = state.has_token && now < state.expires_at;
  absl::Time renew_at = state.obtained_at +
                        (state.expires_at - state.obtained_at) * kRenewAtLifetimeShare;
  bool due = !valid || state.rejected || now >= renew_at;
  if (!due) return {TokenAction::kUse, absl::InfinitePast()};
  absl::Time allowed = NextRenewalAllowed(state);
  if (now >= allowed) return {TokenAction::kRenew, absl::InfinitePast()};
  // Too soon to call the endpoint again: a token that is still good (even
  // one a server refused: it may have been a hiccup) is used meanwhile.
  if (valid) return {TokenAction::kUse, absl::InfinitePast()};
  return {TokenAction::kWait, allowed};
}

TokenErrorMeaning ExplainTokenError(const TokenError& e, absl::string_view grant) {
  const std::string error = absl::AsciiStrToLower(e.error);
  const std::string& d = e.error_description;
  auto person = [](std::string text) { return TokenErrorMeaning{true, std::move(text)}; };
  // Microsoft's codes say more than the RFC's error names.
  if (absl::StrContains(d, "AADSTS7000222")) {
    return person("le secret de l'application a expiré : créez-en un nouveau dans Entra ID et mettez à jour client_secret_file");
  }
  if (absl::StrContains(d, "AADSTS7000215") || absl::StrContains(d, "AADSTS7000218")) {
    return person("le secret de l'application est refusé : vérifiez client_secret_file");
  }
  if (absl::StrContains(d, "AADSTS65001") || absl::StrContains(d, "AADSTS650057") ||
      absl::StrContains(d, "AADSTS500011")) {
    return person("l'administrateur n'a pas (ou plus) donné son consentement à l'application pour ce tenant");
  }
  if (absl::StrContains(d, "AADSTS700082") || absl::StrContains(d, "AADSTS50173") ||
      absl::StrContains(d, "AADSTS70008")) {
    return person("l'autorisation de la boîte a expiré ou a été révoquée : refaites liasse oauth login");
  }
  if (absl::StrContains(d, "AADSTS700016") || absl::StrContains(d, "AADSTS90002")) {
    return person("application ou tenant inconnu : vérifiez client_id et tenant");
  }
  if (grant == "jwt_bearer" && (error == "invalid_grant" || error == "unauthorized_client" ||
                                error == "access_denied")) {
    return person(
        "Google refuse que le compte de service agisse pour la boîte : dans la console "
        "d'administration Workspace (Sécurité > Contrôle des API > Délégation au niveau du "
        "domaine), autorisez l'ID client du compte de service pour https://mail.google.com/, "
        "et vérifiez subject");
  }
  if (grant == "jwt_bearer" && error == "invalid_client") {
    return person("la clé du compte de service est illisible, supprimée ou refusée : vérifiez key_file");
  }
  if (error == kLoginRequired) {
    return person("personne ne s'est encore connecté avec ce profil : lancez liasse oauth login");
  }
  if (error == "invalid_grant") {
    return person("l'autorisation a été révoquée ou a expiré (invalid_grant) : refaites liasse oauth login");
  }
  if (error == "invalid_client" || error == "unauthorized_client") {
    return person(absl::StrCat("l'application est refusée par le fournisseur (", error,
                               ") : vérifiez client_id et le secret"));
  }
  if (error == "invalid_scope") {
    return person("les droits demandés (scopes) sont refusés : vérifiez scopes et les permissions de l'application");
  }
  if (error == "access_denied") {
    return person("l'accès a été refusé par la personne ou l'administrateur");
  }
  if (error == "unsupported_grant_type" || error == "invalid_request") {
    return person(absl::StrCat("le fournisseur refuse la demande (", error,
                               ") : vérifiez provider, grant et les adresses du profil"));
  }
  if (error == "expired_token") {
    return person("le code de connexion a expiré avant d'être saisi : relancez liasse oauth login");
  }
  if (!error.empty() && error != "temporarily_unavailable" && error != "server_error" &&
      e.http_status >= 400 && e.http_status < 500) {
    return person(absl::StrCat("le fournisseur refuse le renouvellement (", error, ")"));
  }
  if (e.http_status == 0) {
    return {false, "le fournisseur d'identité ne répond pas (réseau)"};
  }
  return {false, absl::StrCat("le fournisseur d'identité est en panne (HTTP ", e.http_status,
                              error.empty() ? "" : absl::StrCat(", ", error), ")")};
}

std::string SaslRefusalInPlainWords(absl::string_view status, absl::string_view scope) {
  std::string s = absl::AsciiStrToLower(status);
  if (s == "401" || s == "invalid_token") {
    return "le serveur dit que le jeton est invalide ou expiré";
  }
  if (s == "403" || s == "insufficient_scope") {
    return absl::StrCat("le jeton n'a pas le droit d'accéder à cette boîte",
                        scope.empty() ? "" : absl::StrCat(" (droit attendu : ", scope, ")"));
  }
  if (s == "400" || s == "invalid_request") {
    return "le serveur n'a pas compris la connexion (nom d'utilisateur ?)";
  }
  return absl::StrCat("le serveur refuse le jeton (", status, ")");
}

DevicePollDecision AfterDevicePoll(const TokenError& e, absl::Duration interval) {
  if (e.error == "authorization_pending") return {true, interval};
  if (e.error == "slow_down") return {true, interval + absl::Seconds(5)};
  if (e.error.empty() && (e.http_status == 0 || e.http_status >= 500)) {
    return {true, std::min(interval * 2, absl::Minutes(1))};
  }
  return {false, interval};
}

}  // namespace liasse
