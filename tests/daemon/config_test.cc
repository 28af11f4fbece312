#include "daemon/config/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace liasse {
namespace {

using ::liasse::testing::TempDir;

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

// Every section and every key of DESIGN.md's table.
std::string FullConfig(const TempDir& dir) {
  WriteFile(dir.Join("tokens"), "admin 0123456789abcdef0123\n");
  WriteFile(dir.Join("cert.pem"), "x");
  WriteFile(dir.Join("key.pem"), "x");
  WriteFile(dir.Join("imap.pass"), "secret\n");
  WriteFile(dir.Join("smtp.pass"), "secret\n");
  WriteFile(dir.Join("llm.key"), "sk-test\n");
  return R"(
[daemon]
state_dir = "state"
inbox_root = "/srv/clients"
listen = ["unix:run/liasse.sock", "127.0.0.1:0"]
tls_cert_file = "cert.pem"
tls_key_file = "key.pem"
token_file = "tokens"
workers = 2
timezone = "Europe/Paris"
log_level = "debug"
queue_limit = 50
max_attempts = 4

[ocr]
languages = ["fra", "eng", "deu"]
dpi = 200
max_file_mb = 20
max_pages = 30
max_pixels = 50000000
timeout_s = 30

[classify]
llm_skip_confidence = 0.85
min_ocr_confidence = 0.5

[[llm.provider]]
name = "local"
base_url = "http://127.0.0.1:11434/v1"
model = "qwen2.5:7b"
api_key_file = "llm.key"
timeout_s = 20
max_input_chars = 4000
json_mode = "json_object"
redact = false
doc_types = ["invoice", "receipt"]

[[llm.provider]]
name = "hosted"
base_url = "https://api.example.com/v1"
model = "m"
api_key_env = "LLM_KEY"
json_mode = "prompt"

[[mailbox]]
name = "collecte"
url = "imaps://imap.example.fr/INBOX"
username = "collecte@cabinet.fr"
password_file = "imap.pass"
folders = ["INBOX", "Clients"]
poll_seconds = 30
processed_folder = "Done"
max_message_mb = 10

[smtp]
url = "smtps://smtp.example.fr"
username = "collecte@cabinet.fr"
password_file = "smtp.pass"
from = "collecte@cabinet.fr"
reply_to = "collecte@cabinet.fr"
max_per_minute = 20

[reminders]
enabled = true
start_period = "2026-10"
first_after_days = 2
every_days = 5
max_reminders = 4
grace_days = 7
quiet_hours = "20:00-07:30"
business_days_only = false
escalate_to = "equipe@cabinet.fr"
digest_time = "09:00"
templates_dir = "templates"

[matching]
min_amount = "12.50"
date_window_days = [-20, 5]
ignore_labels = ["URSSAF"]

[[client]]
id = "boulangerie-martin"
name = "Boulangerie Martin"
legal_names = ["SARL BOULANGERIE MARTIN"]
siren = "732829320"
vat = "FR 44 732829320"
emails = ["Paul.Martin@gmail.com"]
domains = ["boulangerie-martin.fr"]
folder = "martin"
after = "keep"
poll_seconds = 10
language = "en"
manager = "claire@cabinet.fr"
paused = true
llm = false
fiscal_year_end = "06-30"
start_period = "2026-09"
expects = [
  { kind = "bank_statement", every = "month", due_day = 5, label = "Relevé BNP", iban = "FR76 3000 6000 0112 3456 7890 189" },
  { kind = "payslip", every = "quarter" },
]
)";
}

TEST(ConfigTest, ParsesEverySection) {
  TempDir dir;
  std::string path = dir.Join("liasse.toml");
  WriteFile(path, FullConfig(dir));
  auto config = LoadConfigFile(path);
  ASSERT_OK(config);
  const Config& c = *config;
  EXPECT_EQ(c.daemon.state_dir, dir.Join("state"));
  EXPECT_EQ(c.daemon.inbox_root, "/srv/clients");
  ASSERT_EQ(c.daemon.listen.size(), 2u);
  EXPECT_EQ(c.daemon.listen[0], absl::StrCat("unix:", dir.Join("run/liasse.sock")));
  EXPECT_EQ(c.daemon.token_file, dir.Join("tokens"));
  EXPECT_EQ(c.daemon.workers, 2);
  EXPECT_EQ(c.daemon.log_level, "debug");
  EXPECT_EQ(c.daemon.queue_limit, 50);
  EXPECT_EQ(c.daemon.max_attempts, 4);
  EXPECT_EQ(c.ocr.languages, (std::vector<std::string>{"fra", "eng", "deu"}));
  EXPECT_EQ(c.ocr.dpi, 200);
  EXPECT_EQ(c.ocr.max_pixels, 50000000);
  EXPECT_DOUBLE_EQ(c.classify.llm_skip_confidence, 0.85);
  ASSERT_EQ(c.llm_providers.size(), 2u);
  EXPECT_EQ(c.llm_providers[0].json_mode, "json_object");
  EXPECT_EQ(c.llm_providers[0].redact, false);
  EXPECT_EQ(c.llm_providers[1].redact, true);  // not loopback: default on
  EXPECT_EQ(c.llm_providers[1].api_key_env, "LLM_KEY");
  ASSERT_EQ(c.mailboxes.size(), 1u);
  EXPECT_EQ(c.mailboxes[0].folders.size(), 2u);
  EXPECT_EQ(c.mailboxes[0].poll_seconds, 30);
  EXPECT_TRUE(c.smtp.configured);
  EXPECT_EQ(c.smtp.max_per_minute, 20);
  EXPECT_TRUE(c.reminders.enabled);
  EXPECT_EQ(c.reminders.start_period, "2026-10");
  EXPECT_EQ(c.reminders.cadence.quiet_start_minute, 20 * 60);
  EXPECT_EQ(c.reminders.cadence.quiet_end_minute, 7 * 60 + 30);
  EXPECT_EQ(c.matching.min_amount, Money{1250});
  EXPECT_EQ(c.matching.date_window_before_days, 20);
  EXPECT_EQ(c.matching.date_window_after_days, 5);
  ASSERT_EQ(c.clients.size(), 1u);
  const ClientConfig& client = c.clients[0];
  EXPECT_EQ(client.vat, "FR44732829320");
  EXPECT_EQ(client.emails[0], "paul.martin@gmail.com");
  EXPECT_EQ(client.folder, "/srv/clients/martin");
  EXPECT_EQ(client.after, "keep");
  EXPECT_EQ(client.poll_seconds, 10);
  EXPECT_TRUE(client.paused);
  EXPECT_FALSE(client.llm);
  ASSERT_EQ(client.expects.size(), 2u);
  EXPECT_EQ(client.expects[0].iban, "FR7630006000011234567890189");
  EXPECT_EQ(client.expects[1].every, "quarter");
}

TEST(ConfigTest, AMicrosoftAppOnlyProfileGetsTheProvidersAddressesAndScope) {
  TempDir dir;
  WriteFile(dir.Join("app.secret"), "s3cret\n");
  std::string path = dir.Join("liasse.toml");
  WriteFile(path, R"(
[[oauth]]
name = "m365"
provider = "microsoft"
tenant = "cabinet-dupont.fr"
client_id = "0f5e8a2c-1111-2222-3333-444455556666"
client_secret_file = "app.secret"

[[mailbox]]
name = "collecte"
url = "imaps://outlook.office365.com/"
username = "collecte@cabinet-dupont.fr"
oauth = "m365"

[smtp]
url = "smtp://smtp.office365.com:587"
username = "collecte@cabinet-dupont.fr"
oauth = "m365"
from = "collecte@cabinet-dupont.fr"
)");
  auto config = LoadConfigFile(path);
  ASSERT_OK(config);
  ASSERT_EQ(config->oauth.size(), 1u);
  const OAuthProfile& p = config->oauth[0];
  EXPECT_EQ(p.grant, "client_credentials");
  EXPECT_EQ(p.token_url, "https://login.microsoftonline.com/cabinet-dupont.fr/oauth2/v2.0/token");
  EXPECT_EQ(p.scopes, (std::vector<std::string>{"https://outlook.office365.com/.default"}));
  EXPECT_EQ(p.client_secret_file, dir.Join("app.secret"));
  EXPECT_EQ(config->mailboxes[0].oauth, "m365");
  EXPECT_EQ(config->smtp.oauth, "m365");
}

TEST(ConfigTest, InstalledConfigIsValidAndSafe) {
  auto config = LoadConfigFile(std::string(LIASSE_SOURCE_DIR) +
                               "/systemd/liasse.toml");
  ASSERT_OK(config);
  EXPECT_EQ(config->daemon.state_dir, "/var/lib/liasse");
  EXPECT_EQ(config->daemon.inbox_root, "/srv/liasse");
  EXPECT_EQ(config->daemon.listen,
            std::vector<std::string>{"unix:/run/liasse/liasse.sock"});
  EXPECT_TRUE(config->mailboxes.empty());
  EXPECT_FALSE(config->smtp.configured);
  EXPECT_FALSE(config->reminders.enabled);
  EXPECT_TRUE(config->llm_providers.empty());
}

TEST(ConfigTest, CollectionExampleOfTheReadmeIsValid) {
  auto config = LoadConfigFile(std::string(LIASSE_SOURCE_DIR) + "/examples/collection.toml");
  ASSERT_OK(config);
  EXPECT_TRUE(config->reminders.enabled);
  EXPECT_TRUE(config->smtp.configured);
  ASSERT_EQ(config->clients.size(), 1u);
  EXPECT_EQ(config->clients[0].expects.size(), 1u);
}

TEST(ConfigTest, EmbeddedDefaultUsesVarInWorkingDirectory) {
  Config c = EmbeddedDefaultConfig();
  std::string cwd = std::filesystem::current_path().string();
  EXPECT_EQ(c.daemon.state_dir, cwd + "/var");
  EXPECT_EQ(c.daemon.inbox_root, cwd + "/var/inbox");
  EXPECT_EQ(c.daemon.listen[0], "unix:" + cwd + "/var/liasse.sock");
  EXPECT_TRUE(c.mailboxes.empty());
  EXPECT_FALSE(c.reminders.enabled);
}

struct ErrorCase {
  std::string name;
  std::string toml;
  std::string expected;  // substring of the error
};

void PrintTo(const ErrorCase& c, std::ostream* os) { *os << c.name; }

class ConfigErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ConfigErrorTest, NamesFileLineAndKey) {
  auto config = ParseConfig(GetParam().toml, "/etc/liasse/liasse.toml");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(config.status().message(), GetParam().expected))
      << config.status().message();
}

INSTANTIATE_TEST_SUITE_P(
    Errors, ConfigErrorTest,
    ::testing::Values(
        ErrorCase{"Syntax", "[daemon]\nworkers = \n",
                  "/etc/liasse/liasse.toml:2:"},
        ErrorCase{"VisionNeedsUnredactedText",
                  "[[llm.provider]]\nname = \"hosted\"\nbase_url = \"https://api.example.com/v1\"\n"
                  "model = \"m\"\nvision = true\n",
                  "[[llm.provider]] #1 vision: an image cannot be redacted"},
        ErrorCase{"UnknownKey", "[daemon]\nworkers = 2\nworkrs = 3\n",
                  "/etc/liasse/liasse.toml:3: [daemon] workrs: unknown key "
                  "(did you mean \"workers\"?)"},
        ErrorCase{"UnknownSection", "\n[deamon]\n",
                  "/etc/liasse/liasse.toml:2: deamon: unknown key"},
        ErrorCase{"WrongType", "[ocr]\n\ndpi = \"300\"\n",
                  "/etc/liasse/liasse.toml:3: [ocr] dpi: must be an integer"},
        ErrorCase{"OutOfRange", "[daemon]\nmax_attempts = 0\n",
                  "liasse.toml:2: [daemon] max_attempts: must be between 1 and "
                  "100"},
        ErrorCase{"InlineSecret",
                  "[smtp]\nurl = \"smtps://h\"\nfrom = \"a@b.fr\"\npassword = "
                  "\"hunter2\"\n",
                  "liasse.toml:4: [smtp] password: secrets are never written "
                  "in the config"},
        ErrorCase{"DeductibleShareAboveAll",
                  "[accounting]\nvat_deductible_share = { \"60622\" = 120 }\n",
                  "liasse.toml:2: [accounting] vat_deductible_share: must be a table of account "
                  "prefixes and percents"},
        ErrorCase{"BankAccountOfAWrongIban",
                  "[accounting]\nbank_accounts = { \"FR7630006000011234567890188\" = \"5121\" }\n",
                  "liasse.toml:2: [accounting] bank_accounts: must be a table of account numbers"},
        ErrorCase{"UnknownVatCategory",
                  "[accounting]\nrevenue_by_vat_category = { X = \"706\" }\n",
                  "[accounting] revenue_by_vat_category: must be a table of account numbers"},
        ErrorCase{"BadSiren",
                  "[[client]]\nid = \"acme\"\nsiren = \"123456789\"\n",
                  "liasse.toml:3: [[client]] #1 siren: is not a valid SIREN"},
        ErrorCase{"PublicDomain",
                  "[[client]]\nid = \"acme\"\ndomains = [\"gmail.com\"]\n",
                  "liasse.toml:3: [[client]] #1 domains: \"gmail.com\" is a "
                  "public mail domain"},
        ErrorCase{"MissingRequired", "[[mailbox]]\nname = \"m\"\n",
                  "liasse.toml:1: [[mailbox]] #1 url: is required"},
        ErrorCase{"BadTimezone", "[daemon]\ntimezone = \"Europe/Pariss\"\n",
                  "liasse.toml:2: [daemon] timezone: unknown time zone"},
        ErrorCase{"TcpWithoutTls", "[daemon]\nlisten = \"0.0.0.0:7443\"\n",
                  "liasse.toml:2: [daemon] listen: a TCP listener needs "
                  "tls_cert_file"},
        ErrorCase{"ExpectationKind",
                  "[[client]]\nid = \"a\"\nexpects = [{ kind = \"bank\", "
                  "every = \"month\" }]\n",
                  "liasse.toml:3: [[client]] \"a\" expects[1] kind:"},
        ErrorCase{"OldTokenFile",
                  "[[mailbox]]\nname = \"m\"\nurl = \"imaps://h/\"\nusername = \"u\"\n"
                  "oauth2_token_file = \"/etc/t\"\n",
                  "liasse.toml:5: [[mailbox]] #1 oauth2_token_file: was replaced by [[oauth]] profiles"},
        ErrorCase{"UnknownOAuthProfile",
                  "[[mailbox]]\nname = \"m\"\nurl = \"imaps://h/\"\nusername = \"u\"\n"
                  "oauth = \"m365\"\n",
                  "[[mailbox]] m oauth: no [[oauth]] profile named \"m365\""},
        ErrorCase{"ClientCredentialsNeedASecret",
                  "[[oauth]]\nname = \"a\"\nprovider = \"custom\"\n"
                  "token_url = \"https://id.example.fr/token\"\nclient_id = \"c\"\n",
                  "[[oauth]] #1 client_secret_file: client_credentials needs the application's secret"},
        ErrorCase{"MicrosoftNeedsATenant",
                  "[[oauth]]\nname = \"a\"\nprovider = \"microsoft\"\nclient_id = \"c\"\n"
                  "client_secret_env = \"S\"\n",
                  "[[oauth]] #1 tenant: is required for microsoft"},
        ErrorCase{"PlainHttpTokenEndpoint",
                  "[[oauth]]\nname = \"a\"\nprovider = \"custom\"\nclient_id = \"c\"\n"
                  "client_secret_env = \"S\"\ntoken_url = \"http://id.example.fr/token\"\n",
                  "[[oauth]] #1 token_url: must be an https:// address"},
        ErrorCase{"InlineClientSecret",
                  "[[oauth]]\nname = \"a\"\nprovider = \"custom\"\nclient_id = \"c\"\n"
                  "token_url = \"https://id.example.fr/token\"\nclient_secret = \"x\"\n",
                  "client_secret: secrets are never written in the config"},
        ErrorCase{"SmtpOAuthNeedsAUser",
                  "[[oauth]]\nname = \"a\"\nprovider = \"custom\"\nclient_id = \"c\"\n"
                  "client_secret_env = \"S\"\ntoken_url = \"https://id.example.fr/token\"\n"
                  "[smtp]\nurl = \"smtps://h\"\nfrom = \"a@b.fr\"\noauth = \"a\"\n",
                  "[smtp] username: is required with oauth"},
        ErrorCase{"JwtBearerNeedsASubject",
                  "[[oauth]]\nname = \"g\"\nprovider = \"google\"\ngrant = \"jwt_bearer\"\n",
                  "[[oauth]] #1 subject: jwt_bearer needs the mailbox the service account acts as"},
        ErrorCase{"GoogleRefusesTheDeviceFlow",
                  "[[oauth]]\nname = \"g\"\nprovider = \"google\"\ngrant = \"device_code\"\n"
                  "client_id = \"c\"\n",
                  "Google does not allow the Gmail scope through the device flow"},
        ErrorCase{"DuplicateClient",
                  "[[client]]\nid = \"a\"\n[[client]]\nid = \"a\"\n",
                  "[[client]] id: \"a\" is used twice"},
        ErrorCase{"ReservedClientId", "[[client]]\nid = \"unknown\"\n",
                  "liasse.toml:2: [[client]] #1 id:"},
        ErrorCase{"RemindersWithoutSmtp", "[reminders]\nenabled = true\n",
                  "[reminders] enabled: reminders need an [smtp] section"},
        ErrorCase{"JsonMode",
                  "[[llm.provider]]\nname = \"x\"\nbase_url = "
                  "\"http://127.0.0.1/v1\"\nmodel = \"m\"\njson_mode = "
                  "\"xml\"\n",
                  "liasse.toml:5: [[llm.provider]] #1 json_mode: must be "
                  "json_schema, json_object or prompt"},
        ErrorCase{"ApiKeyInline",
                  "[[llm.provider]]\nname = \"x\"\nbase_url = "
                  "\"http://127.0.0.1/v1\"\nmodel = \"m\"\napi_key = \"sk\"\n",
                  "liasse.toml:5: [[llm.provider]] #1 api_key: secrets are "
                  "never written"},
        ErrorCase{"DateWindow", "[matching]\ndate_window_days = [7, -30]\n",
                  "liasse.toml:2: [matching] date_window_days:"},
        ErrorCase{"StateDirIsTheInboxRoot",
                  "[daemon]\nstate_dir = \"/srv/x\"\ninbox_root = \"/srv/x/\"\n",
                  "[daemon] state_dir: \"/srv/x\" is inside inbox_root"},
        ErrorCase{"StateDirInsideTheInboxRoot",
                  "[daemon]\nstate_dir = \"/srv/x/state\"\ninbox_root = \"/srv/x\"\n",
                  "[daemon] state_dir: \"/srv/x/state\" is inside inbox_root"},
        ErrorCase{"FolderIsTheRoot", "[daemon]\nstate_dir = \"/var/lib/liasse\"\ninbox_root = \"/srv/liasse\"\n"
                  "[[client]]\nid = \"a\"\nfolder = \"/\"\n",
                  "liasse.toml:6: [[client]] #1 folder: must not be /"},
        ErrorCase{"FolderClimbsOut", "[daemon]\nstate_dir = \"/var/lib/liasse\"\ninbox_root = \"/srv/liasse\"\n"
                  "[[client]]\nid = \"a\"\nfolder = \"../../etc\"\n",
                  "liasse.toml:6: [[client]] #1 folder: a relative folder may not climb out"},
        ErrorCase{"TwoClientsOneFolder",
                  "[daemon]\nstate_dir = \"/var/lib/liasse\"\ninbox_root = \"/srv/liasse\"\n"
                  "[[client]]\nid = \"a\"\nfolder = \"shared\"\n[[client]]\nid = \"b\"\n"
                  "folder = \"shared\"\n",
                  "[[client]] b folder: \"/srv/liasse/shared\" overlaps the folder of a"},
        ErrorCase{"NestedClientFolders",
                  "[daemon]\nstate_dir = \"/var/lib/liasse\"\ninbox_root = \"/srv/liasse\"\n"
                  "[[client]]\nid = \"a\"\n[[client]]\nid = \"b\"\nfolder = \"a/b\"\n",
                  "[[client]] b folder: \"/srv/liasse/a/b\" overlaps the folder of a"},
        ErrorCase{"FolderInTheStateDir",
                  "[daemon]\nstate_dir = \"/var/lib/liasse\"\ninbox_root = \"/srv/liasse\"\n"
                  "[[client]]\nid = \"a\"\nfolder = \"/var/lib/liasse/archive\"\n",
                  "[[client]] a folder: \"/var/lib/liasse/archive\" overlaps state_dir"}),
    [](const ::testing::TestParamInfo<ErrorCase>& param_info) {
      return param_info.param.name;
    });

TEST(ConfigTest, AccountingTakesFixedAssetsDeductibilityAndRevenueByCategory) {
  auto config = ParseConfig(
      "[accounting]\nvat_fixed_assets = \"445620\"\nfixed_assets = \"218300\"\n"
      "small_equipment = [\"6063\", \"6064\"]\nfixed_asset_threshold = \"600.00\"\n"
      "vat_deductible_share = { \"60622\" = 80, \"6251\" = 0, \"6257\" = 50.5 }\n"
      "revenue_by_vat_category = { G = \"7069\", K = \"7079\" }\n"
      "down_payments_paid = \"409100\"\ndown_payments_received = \"419100\"\n"
      "aux_from = [\"name\"]\n"
      "[[client]]\nid = \"a\"\n"
      "accounting = { fixed_asset_threshold = 1000, sales_vat_on_payment = true }\n",
      "/etc/liasse/liasse.toml");
  ASSERT_OK(config);
  const AccountPlan& firm = config->accounting;
  EXPECT_EQ(firm.vat_fixed_assets, "445620");
  EXPECT_EQ(firm.fixed_assets, "218300");
  EXPECT_EQ(firm.small_equipment, (std::vector<std::string>{"6063", "6064"}));
  EXPECT_EQ(firm.fixed_asset_threshold, Money{60000});
  EXPECT_EQ(firm.vat_deductible_share,
            (std::map<std::string, int64_t>{{"60622", 8000}, {"6251", 0}, {"6257", 5050}}));
  EXPECT_EQ(firm.revenue_by_vat_category,
            (std::map<std::string, std::string>{{"G", "7069"}, {"K", "7079"}}));
  ASSERT_EQ(config->clients.size(), 1u);
  EXPECT_EQ(config->clients[0].accounting.fixed_asset_threshold, Money{100000});
  EXPECT_EQ(config->clients[0].accounting.fixed_assets, "218300");  // the firm's
  EXPECT_EQ(firm.down_payments_paid, "409100");
  EXPECT_EQ(firm.aux_from, std::vector<std::string>{"name"});
  EXPECT_EQ(firm.down_payments_received, "419100");
  EXPECT_FALSE(firm.sales_vat_on_payment);
  EXPECT_TRUE(config->clients[0].accounting.sales_vat_on_payment);
  EXPECT_EQ(config->clients[0].accounting.vat_collected_pending, "44574");
}

TEST(ConfigTest, AccountingTakesTheBankJournalItsAccountsByIbanAndLabelRules) {
  auto config = ParseConfig(
      "[accounting]\njournals = { bank = \"BQ1\" }\nbank = \"5120000\"\n"
      "bank_accounts = { \"fr76 3000 6000 0112 3456 7890 189\" = \"5121000\" }\n"
      "bank_labels = { \"FRAIS\" = \"6270000\", \"URSSAF\" = \"4310000\" }\n"
      "salaries = \"4210000\"\nsuspense = \"4710000\"\n"
      "[[client]]\nid = \"a\"\naccounting = { bank_entries = false }\n",
      "/etc/liasse/liasse.toml");
  ASSERT_OK(config);
  const AccountPlan& firm = config->accounting;
  EXPECT_EQ(firm.bank_journal, "BQ1");
  EXPECT_EQ(firm.bank, "5120000");
  EXPECT_EQ(firm.bank_accounts,
            (std::map<std::string, std::string>{{"FR7630006000011234567890189", "5121000"}}));
  EXPECT_EQ(firm.bank_labels, (std::map<std::string, std::string>{{"FRAIS", "6270000"},
                                                                  {"URSSAF", "4310000"}}));
  EXPECT_EQ(firm.salaries, "4210000");
  EXPECT_EQ(firm.suspense, "4710000");
  EXPECT_TRUE(firm.bank_entries);
  ASSERT_EQ(config->clients.size(), 1u);
  EXPECT_FALSE(config->clients[0].accounting.bank_entries);
  EXPECT_EQ(config->clients[0].accounting.bank_journal, "BQ1");  // the firm's
}

TEST(ConfigTest, AbsoluteClientFoldersOutsideTheInboxRootAreAllowed) {
  auto config = ParseConfig(
      "[daemon]\nstate_dir = \"/var/lib/liasse\"\ninbox_root = \"/srv/liasse\"\n"
      "[[client]]\nid = \"a\"\nfolder = \"/mnt/nas/a\"\n[[client]]\nid = \"ab\"\n",
      "/etc/liasse/liasse.toml");
  ASSERT_OK(config);
  EXPECT_EQ(config->clients[0].folder, "/mnt/nas/a");
  EXPECT_EQ(config->clients[1].folder, "/srv/liasse/ab");  // "ab" is not inside "a"
}

TEST(ConfigTest, ReportsEveryErrorNotJustTheFirst) {
  auto config = ParseConfig(
      "[daemon]\nworkers = -1\nlog_level = \"loud\"\n", "c.toml");
  ASSERT_FALSE(config.ok());
  EXPECT_TRUE(absl::StrContains(config.status().message(), "c.toml:2: [daemon] workers"));
  EXPECT_TRUE(absl::StrContains(config.status().message(), "c.toml:3: [daemon] log_level"));
}

TEST(ConfigTest, MissingFileIsNotFound) {
  auto config = LoadConfigFile("/nonexistent/liasse.toml");
  EXPECT_EQ(config.status().code(), absl::StatusCode::kNotFound);
}

TEST(ConfigTest, ADirectoryIsNotAConfig) {
  TempDir dir;
  auto config = LoadConfigFile(dir.path());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(config.status().message(), "not a file")) << config.status();
}

TEST(ConfigTest, WorldReadableSecretFilesAreNamed) {
  TempDir dir;
  std::ofstream(dir.Join("smtp.pass")) << "secret";
  std::ofstream(dir.Join("tokens")) << "admin 0123456789abcdef0123\n";
  std::filesystem::permissions(dir.Join("smtp.pass"), std::filesystem::perms(0644));
  std::filesystem::permissions(dir.Join("tokens"), std::filesystem::perms(0640));
  auto config = ParseConfig(absl::StrCat("[daemon]\ntoken_file = \"", dir.Join("tokens"),
                                         "\"\n[smtp]\nurl = \"smtps://h\"\nfrom = \"a@b.fr\"\n"
                                         "password_file = \"", dir.Join("smtp.pass"), "\"\n"),
                            dir.Join("liasse.toml"));
  ASSERT_OK(config);
  std::vector<std::string> warnings = ExposedSecretFiles(*config);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_TRUE(absl::StrContains(warnings[0], "[smtp] password_file")) << warnings[0];
}

TEST(ConfigTest, SecretFilesMustExist) {
  auto config = ParseConfig(
      "[smtp]\nurl = \"smtps://h\"\nfrom = \"a@b.fr\"\npassword_file = "
      "\"/nonexistent/pass\"\n",
      "c.toml");
  ASSERT_FALSE(config.ok());
  EXPECT_TRUE(absl::StrContains(config.status().message(),
                                "c.toml:4: [smtp] password_file: "
                                "/nonexistent/pass: no such file"));
}

TEST(ConfigTest, DiscoversClientFoldersUnderInboxRoot) {
  TempDir dir;
  std::filesystem::create_directories(dir.Join("inbox/acme"));
  std::filesystem::create_directories(dir.Join("inbox/boulangerie-martin"));
  std::filesystem::create_directories(dir.Join("inbox/.hidden"));
  std::filesystem::create_directories(dir.Join("inbox/Bad Name"));
  WriteFile(dir.Join("inbox/file.pdf"), "x");
  std::vector<ClientConfig> clients = DiscoverFolderClients(dir.Join("inbox"));
  ASSERT_EQ(clients.size(), 2u);
  EXPECT_EQ(clients[0].id, "acme");
  EXPECT_EQ(clients[1].id, "boulangerie-martin");
  EXPECT_EQ(clients[1].folder, dir.Join("inbox/boulangerie-martin"));
}

TEST(ConfigTest, RestartOnlyKeysAreReported) {
  Config a = EmbeddedDefaultConfig();
  Config b = a;
  b.daemon.log_level = "debug";
  EXPECT_TRUE(KeysNeedingRestart(a, b).empty());
  b.daemon.state_dir = "/elsewhere";
  EXPECT_EQ(KeysNeedingRestart(a, b),
            std::vector<std::string>{"daemon.state_dir"});
}

// Reminders, SMTP, matching and tokens take effect on SIGHUP; what is read
// once at start (OCR, classification thresholds) is named.
TEST(ConfigTest, CollectionSettingsReloadButReadingSettingsNeedARestart) {
  Config a = EmbeddedDefaultConfig();
  Config b = a;
  b.reminders.cadence.every_days = 14;
  b.smtp.from = "Cabinet <collecte@cabinet.fr>";
  b.matching.min_amount = Money{100};
  EXPECT_TRUE(KeysNeedingRestart(a, b).empty());
  b.ocr.languages = {"fra", "eng", "deu"};
  b.classify.min_ocr_confidence = 0.5;
  EXPECT_EQ(KeysNeedingRestart(a, b), (std::vector<std::string>{"ocr", "classify"}));
}

TEST(ConfigTest, AVisionProviderMakesTheReadersKeepAPagePreview) {
  auto plain = ParseConfig("[[llm.provider]]\nname = \"local\"\nbase_url = \"http://127.0.0.1:11434/v1\"\n"
                           "model = \"m\"\n",
                           "/etc/liasse/liasse.toml");
  ASSERT_OK(plain);
  EXPECT_EQ(ReadingOptions(*plain).preview_px, 0);
  auto vision = ParseConfig("[[llm.provider]]\nname = \"local\"\nbase_url = \"http://127.0.0.1:11434/v1\"\n"
                            "model = \"qwen2.5vl\"\nvision = true\n",
                            "/etc/liasse/liasse.toml");
  ASSERT_OK(vision);
  EXPECT_TRUE(vision->llm_providers[0].vision);
  EXPECT_EQ(ReadingOptions(*vision).preview_px, kVisionPreviewPx);
}

}  // namespace
}  // namespace liasse
