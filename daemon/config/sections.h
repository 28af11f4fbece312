// One reader per section of liasse.toml; each records its errors in the
// TableReader and rejects keys it does not know. Internal to daemon/config/.
#pragma once

#include <string>

#include "daemon/config/config_reader.h"

namespace liasse {
namespace config_internal {

void ParseDaemon(TableReader& r, const std::string& base, DaemonSection* d);
void ParseOcr(TableReader& r, OcrOptions* o);
void ParseClassify(TableReader& r, ClassifySection* c);
void ParseProvider(TableReader& r, const std::string& base, LlmProvider* p);
void ParseMailbox(TableReader& r, const std::string& base, Mailbox* m);
void ParseOAuth(TableReader& r, const std::string& base, OAuthProfile* p);
void ParseSmtp(TableReader& r, const std::string& base, SmtpSection* s);
void ParseReminders(TableReader& r, const std::string& base,
                    RemindersSection* m);
void ParseMatching(TableReader& r, MatchingSection* m);
// [accounting], or a client's `accounting` table over the firm's plan.
void ParseAccounting(TableReader& r, AccountPlan* plan);
void ParseExpectation(TableReader& r, Expectation* e);
// `accounting` is the firm's plan, which the client's own table overrides.
void ParseClient(TableReader& r, const std::string& file, const AccountPlan& accounting,
                 const std::string& inbox_root, const toml::table& table,
                 std::vector<std::string>* errors, ClientConfig* c);

}  // namespace config_internal
}  // namespace liasse
