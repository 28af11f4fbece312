// OAuth2 tokens against a real token endpoint and a real SMTP server taking
// XOAUTH2 (tests/testing/oauth_server.py); time is the fake clock's.
#include "daemon/process/oauth_tokens.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "daemon/process/archive.h"
#include "daemon/process/intake.h"
#include "daemon/process/mail_poller.h"
#include "daemon/process/outbox_delivery.h"
#include "daemon/store/store.h"
#include "tests/fakes/fake_clock.h"
#include "tests/testing/dovecot.h"
#include "tests/testing/mail_builder.h"
#include "tests/testing/oauth_server.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace liasse {
namespace {

using testing::OAuthServer;
using testing::TempDir;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class OAuthTest : public ::testing::Test {
 protected:
  explicit OAuthTest(int lifetime_s = 100) : server_(lifetime_s) {}

  void SetUp() override {
    ASSERT_TRUE(server_.ready());
    std::ofstream(state_.Join("app.secret")) << OAuthServer::kClientSecret << "\n";
    profile_.name = "app";
    profile_.provider = "custom";
    profile_.grant = "client_credentials";
    profile_.client_id = OAuthServer::kClientId;
    profile_.client_secret_file = state_.Join("app.secret");
    profile_.token_url = server_.token_url();
    profile_.scopes = {"https://mail.example/.default"};
    tokens_ = NewTokens();
  }

  std::unique_ptr<OAuthTokens> NewTokens() {
    auto t = std::make_unique<OAuthTokens>(state_.Join("oauth"), &clock_,
                                           [this](const std::string& profile, const std::string& why) {
                                             alerts_.push_back(profile + ": " + why);
                                           });
    t->SetProfiles({profile_});
    return t;
  }

  absl::Status Send(const std::string& subject) {
    SmtpMailer mailer({server_.smtp_url(), "collecte@cabinet.fr", "", ""}, tokens_.get(), "app");
    return mailer.Send("collecte@cabinet.fr", {"client@example.fr"},
                       "From: collecte@cabinet.fr\r\nTo: client@example.fr\r\nSubject: " + subject +
                           "\r\n\r\nBonjour\r\n");
  }

  OAuthServer server_;
  TempDir state_;
  FakeClock clock_;
  OAuthProfile profile_;
  std::vector<std::string> alerts_;
  std::unique_ptr<OAuthTokens> tokens_;
};

TEST_F(OAuthTest, ObtainsATokenOnceAndReusesIt) {
  absl::StatusOr<std::string> first = tokens_->AccessToken("app");
  ASSERT_OK(first);
  absl::StatusOr<std::string> second = tokens_->AccessToken("app");
  ASSERT_OK(second);
  EXPECT_EQ(*first, *second);
  std::vector<nlohmann::json> requests = server_.TokenRequests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0]["grant_type"], "client_credentials");
  EXPECT_EQ(requests[0]["scope"], "https://mail.example/.default");
}

TEST_F(OAuthTest, RenewsAtEightyPercentOfItsLifetime) {
  absl::StatusOr<std::string> first = tokens_->AccessToken("app");
  ASSERT_OK(first);
  clock_.Advance(absl::Seconds(79));
  EXPECT_EQ(*tokens_->AccessToken("app"), *first);
  clock_.Advance(absl::Seconds(2));
  absl::StatusOr<std::string> renewed = tokens_->AccessToken("app");
  ASSERT_OK(renewed);
  EXPECT_NE(*renewed, *first);
  EXPECT_EQ(server_.TokenRequests().size(), 2u);
}

TEST_F(OAuthTest, KeepsTheTokenInAPrivateFileThatARestartReuses) {
  absl::StatusOr<std::string> token = tokens_->AccessToken("app");
  ASSERT_OK(token);
  std::string path = state_.Join("oauth/app.json");
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string saved = ReadAll(path);
  EXPECT_TRUE(absl::StrContains(saved, *token));
  EXPECT_FALSE(absl::StrContains(saved, OAuthServer::kClientSecret));
  std::unique_ptr<OAuthTokens> restarted = NewTokens();
  absl::StatusOr<std::string> again = restarted->AccessToken("app");
  ASSERT_OK(again);
  EXPECT_EQ(*again, *token);
  EXPECT_EQ(server_.TokenRequests().size(), 1u);
}

TEST_F(OAuthTest, AnExpiredSecretAlertsOnceAndWaitsForAPerson) {
  server_.Set("secret_expired");
  absl::StatusOr<std::string> token = tokens_->AccessToken("app");
  EXPECT_EQ(token.status().code(), absl::StatusCode::kFailedPrecondition);
  clock_.Advance(absl::Hours(1));
  EXPECT_EQ(tokens_->AccessToken("app").status().code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_EQ(alerts_.size(), 1u);
  EXPECT_TRUE(absl::StrContains(alerts_[0], "secret de l'application a expiré")) << alerts_[0];
  std::vector<OAuthProfileStatus> status = tokens_->Status();
  ASSERT_EQ(status.size(), 1u);
  EXPECT_TRUE(status[0].needs_person);
  // Fixed by a person: the next attempt (backed off, not a loop) works.
  EXPECT_EQ(server_.TokenRequests().size(), 2u);
  server_.Clear("secret_expired");
  clock_.Advance(absl::Minutes(10));
  EXPECT_OK(tokens_->AccessToken("app"));
  EXPECT_FALSE(tokens_->Status()[0].needs_person);
}

TEST_F(OAuthTest, AnUnreachableEndpointIsRetriedLaterWithoutAlert) {
  profile_.token_url = "http://127.0.0.1:" + std::to_string(testing::FreePort()) + "/token";
  tokens_ = NewTokens();
  EXPECT_EQ(tokens_->AccessToken("app").status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(tokens_->AccessToken("app").status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(alerts_.empty());
  EXPECT_FALSE(tokens_->Status()[0].needs_person);
}

TEST_F(OAuthTest, SendsMailWithXOAuth2) {
  ASSERT_OK(Send("Relance"));
  ASSERT_EQ(server_.Messages().size(), 1u);
  std::vector<nlohmann::json> logins = server_.SmtpLogins();
  ASSERT_EQ(logins.size(), 1u);
  EXPECT_EQ(logins[0]["user"], "collecte@cabinet.fr");
  EXPECT_EQ(logins[0]["ok"], true);
}

TEST_F(OAuthTest, ATokenTheServerNoLongerTakesIsRenewedAndTheMailSent) {
  ASSERT_OK(Send("Première relance"));
  server_.Set("expire_tokens");
  clock_.Advance(absl::Seconds(5));
  ASSERT_OK(Send("Deuxième relance"));
  EXPECT_EQ(server_.Messages().size(), 2u);
  EXPECT_EQ(server_.TokenRequests().size(), 2u);
  EXPECT_TRUE(alerts_.empty());
}

TEST_F(OAuthTest, ARenewedTokenRefusedAgainAlertsOnceAndBlamesNoRecipient) {
  ASSERT_OK(tokens_->AccessToken("app"));
  clock_.Advance(absl::Seconds(5));
  server_.Set("refuse_smtp");
  absl::Status first = Send("Relance");
  // Unavailable: the outbox retries and never marks the client's address bad.
  EXPECT_EQ(first.code(), absl::StatusCode::kUnavailable) << first;
  clock_.Advance(absl::Seconds(10));
  EXPECT_EQ(Send("Relance").code(), absl::StatusCode::kUnavailable);
  ASSERT_EQ(alerts_.size(), 1u);
  EXPECT_TRUE(absl::StrContains(alerts_[0], "refuse les jetons")) << alerts_[0];
  // The server's SASL error challenge ({"status":"401",...}), in plain words.
  EXPECT_TRUE(absl::StrContains(alerts_[0], "le jeton est invalide ou expiré")) << alerts_[0];
  EXPECT_EQ(server_.TokenRequests().size(), 2u);  // one renewal, not a loop
  EXPECT_TRUE(server_.Messages().empty());
  EXPECT_TRUE(tokens_->Status()[0].needs_person);
}

TEST_F(OAuthTest, TokenRenewalsOverHoursRaiseNoFreshAlertForAnOldRefusal) {
  server_.Set("refuse_smtp");
  for (int i = 0; i < 10; ++i) {
    (void)Send("Relance");
    clock_.Advance(absl::Minutes(30));  // past the token's lifetime each time
  }
  EXPECT_EQ(alerts_.size(), 1u);
  server_.Clear("refuse_smtp");
  ASSERT_OK(Send("Relance"));
  EXPECT_FALSE(tokens_->Status()[0].needs_person);
}

// A delegated mailbox: the device authorization grant, then refresh tokens.
class DeviceLoginTest : public OAuthTest {
 protected:
  void SetUp() override {
    OAuthTest::SetUp();
    profile_.grant = "device_code";
    profile_.client_secret_file.clear();  // a public client
    profile_.device_url = server_.device_url();
    tokens_ = NewTokens();
  }

  // Waits by advancing the fake clock; the person approves after `approve_after` waits.
  absl::StatusOr<absl::Time> Login(int approve_after) {
    int waits = 0;
    return tokens_->LoginWithDeviceCode(
        "app", [this](const OAuthTokens::DevicePrompt& p) { prompts_.push_back(p); },
        [&](absl::Duration d) {
          waited_.push_back(d);
          clock_.Advance(d);
          if (++waits == approve_after) server_.Set("approve");
          return true;
        });
  }

  std::vector<std::string> Grants() {
    std::vector<std::string> out;
    for (const nlohmann::json& r : server_.TokenRequests()) out.push_back(r["grant_type"]);
    return out;
  }

  std::vector<OAuthTokens::DevicePrompt> prompts_;
  std::vector<absl::Duration> waited_;
};

constexpr char kDeviceGrant[] = "urn:ietf:params:oauth:grant-type:device_code";

TEST_F(DeviceLoginTest, ShowsTheCodeWaitsForApprovalAndKeepsTheTokens) {
  absl::StatusOr<absl::Time> valid_until = Login(2);
  ASSERT_OK(valid_until);
  ASSERT_EQ(prompts_.size(), 1u);
  EXPECT_EQ(prompts_[0].user_code, "WDJB-MJHT");
  EXPECT_EQ(prompts_[0].verification_uri, "https://login.example/device");
  EXPECT_EQ(*valid_until, clock_.Now() + absl::Seconds(100));
  EXPECT_EQ(waited_, (std::vector<absl::Duration>{absl::Seconds(5), absl::Seconds(5)}));
  EXPECT_EQ(Grants(), (std::vector<std::string>{"device_authorization", kDeviceGrant, kDeviceGrant}));
  EXPECT_OK(tokens_->AccessToken("app"));
  EXPECT_EQ(server_.TokenRequests().size(), 3u);  // the login's token is used
}

TEST_F(DeviceLoginTest, SlowDownAddsFiveSecondsToEveryLaterPoll) {
  server_.Set("slow_down");
  ASSERT_OK(Login(3));
  EXPECT_EQ(waited_, (std::vector<absl::Duration>{absl::Seconds(5), absl::Seconds(10),
                                                  absl::Seconds(10)}));
}

TEST_F(DeviceLoginTest, ARefusalEndsTheLoginWithoutTokens) {
  server_.Set("deny");
  absl::StatusOr<absl::Time> refused = Login(100);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_FALSE(tokens_->Status()[0].has_token);
}

TEST_F(DeviceLoginTest, WithoutALoginTheProfileAsksForOneOnce) {
  EXPECT_EQ(tokens_->AccessToken("app").status().code(), absl::StatusCode::kFailedPrecondition);
  clock_.Advance(absl::Minutes(30));
  EXPECT_EQ(tokens_->AccessToken("app").status().code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_EQ(alerts_.size(), 1u);
  EXPECT_TRUE(absl::StrContains(alerts_[0], "liasse oauth login")) << alerts_[0];
  EXPECT_TRUE(server_.TokenRequests().empty());  // nothing to send before a login
}

TEST_F(DeviceLoginTest, RefreshTokensRotateAndTheNewOneIsSavedBeforeUse) {
  ASSERT_OK(Login(1));
  std::string saved = ReadAll(state_.Join("oauth/app.json"));
  clock_.Advance(absl::Seconds(85));
  absl::StatusOr<std::string> renewed = tokens_->AccessToken("app");
  ASSERT_OK(renewed);
  clock_.Advance(absl::Seconds(85));
  ASSERT_OK(tokens_->AccessToken("app"));  // the rotated refresh token works
  EXPECT_EQ(Grants().back(), "refresh_token");
  EXPECT_EQ(Grants().size(), 4u);
  // A restart reads the latest refresh token from the file.
  clock_.Advance(absl::Seconds(85));
  tokens_ = NewTokens();
  ASSERT_OK(tokens_->AccessToken("app"));
  EXPECT_NE(ReadAll(state_.Join("oauth/app.json")), saved);
  EXPECT_TRUE(alerts_.empty());
}

TEST_F(DeviceLoginTest, RevokedConsentAlertsOnceAndNamesIt) {
  ASSERT_OK(Login(1));
  server_.Set("revoke_refresh");
  for (int i = 0; i < 5; ++i) {
    clock_.Advance(absl::Minutes(15));
    EXPECT_FALSE(tokens_->AccessToken("app").ok());
  }
  ASSERT_EQ(alerts_.size(), 1u);
  EXPECT_TRUE(absl::StrContains(alerts_[0], "révoquée")) << alerts_[0];
  EXPECT_TRUE(tokens_->Status()[0].needs_person);
}

// Google's flow: authorization code with PKCE, the browser coming back to
// a loopback port. The "browser" is libcurl following the sign-in page's
// redirect, on its own thread.
class AuthorizationCodeTest : public OAuthTest {
 protected:
  void SetUp() override {
    OAuthTest::SetUp();
    profile_.grant = "authorization_code";
    profile_.auth_url = server_.auth_url();
    profile_.redirect_port = 0;
    tokens_ = NewTokens();
  }
  void TearDown() override {
    if (browser_.joinable()) browser_.join();
  }

  absl::StatusOr<absl::Time> Login() {
    return tokens_->Login(
        "app",
        [this](const OAuthTokens::DevicePrompt& p) {
          prompts_.push_back(p);
          std::string url = p.verification_uri;
          browser_ = std::thread([url] {
            CURL* c = curl_easy_init();
            curl_easy_setopt(c, CURLOPT_URL, url.c_str());
            curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
            curl_easy_setopt(c, CURLOPT_WRITEFUNCTION,
                             +[](char*, size_t size, size_t n, void*) { return size * n; });
            curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
            curl_easy_perform(c);
            curl_easy_cleanup(c);
          });
        },
        [](absl::Duration) { return true; });
  }

  std::vector<OAuthTokens::DevicePrompt> prompts_;
  std::thread browser_;
};

TEST_F(AuthorizationCodeTest, SignsInThroughTheBrowserWithPkce) {
  absl::StatusOr<absl::Time> valid_until = Login();
  ASSERT_OK(valid_until);
  ASSERT_EQ(prompts_.size(), 1u);
  const std::string& url = prompts_[0].verification_uri;
  EXPECT_TRUE(absl::StrContains(url, "code_challenge_method=S256")) << url;
  EXPECT_TRUE(absl::StrContains(url, "redirect_uri=http%3A%2F%2F127.0.0.1%3A")) << url;
  EXPECT_TRUE(absl::StrContains(prompts_[0].message, "ssh -L")) << prompts_[0].message;
  std::vector<nlohmann::json> requests = server_.TokenRequests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1]["grant_type"], "authorization_code");  // the server checked the verifier
  EXPECT_OK(tokens_->AccessToken("app"));
  clock_.Advance(absl::Seconds(85));
  EXPECT_OK(tokens_->AccessToken("app"));  // renewed with the refresh token
  EXPECT_EQ(server_.TokenRequests().back()["grant_type"], "refresh_token");
}

TEST_F(AuthorizationCodeTest, ARefusalOnTheSignInPageEndsTheLogin) {
  server_.Set("deny");
  absl::StatusOr<absl::Time> refused = Login();
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied) << refused.status();
  EXPECT_FALSE(tokens_->Status()[0].has_token);
}

// Google Workspace without a person: a service account with domain-wide
// delegation signs an RS256 assertion (checked by the server with openssl).
class JwtBearerTest : public OAuthTest {
 protected:
  void SetUp() override {
    OAuthTest::SetUp();
    clock_.Set(absl::Now());  // the server checks iat/exp on its own clock
    std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)> key(EVP_RSA_gen(2048), EVP_PKEY_free);
    ASSERT_TRUE(key);
    std::unique_ptr<BIO, void (*)(BIO*)> priv(BIO_new(BIO_s_mem()), BIO_free_all);
    std::unique_ptr<BIO, void (*)(BIO*)> pub(BIO_new(BIO_s_mem()), BIO_free_all);
    ASSERT_EQ(PEM_write_bio_PrivateKey(priv.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr), 1);
    ASSERT_EQ(PEM_write_bio_PUBKEY(pub.get(), key.get()), 1);
    server_.WriteFile("jwt_public.pem", Drain(pub.get()));
    server_.WriteFile("jwt_issuer", "liasse@cabinet-123.iam.gserviceaccount.com");
    nlohmann::json sa = {{"type", "service_account"},
                         {"client_email", "liasse@cabinet-123.iam.gserviceaccount.com"},
                         {"private_key", Drain(priv.get())},
                         {"token_uri", server_.token_url()}};
    std::ofstream(state_.Join("sa.json")) << sa.dump();
    profile_.grant = "jwt_bearer";
    profile_.client_id.clear();
    profile_.client_secret_file.clear();
    profile_.key_file = state_.Join("sa.json");
    profile_.subject = "collecte@cabinet.fr";
    profile_.scopes = {"https://mail.google.com/"};
    tokens_ = NewTokens();
  }

  static std::string Drain(BIO* bio) {
    char* data = nullptr;
    long len = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<size_t>(len));
  }
};

TEST_F(JwtBearerTest, ActsAsTheMailboxWithASignedAssertion) {
  ASSERT_OK(tokens_->AccessToken("app"));
  std::vector<nlohmann::json> requests = server_.TokenRequests();
  ASSERT_EQ(requests.size(), 2u);  // the grant, then the verified claims
  EXPECT_EQ(requests[1]["grant_type"], "jwt_claims");
  EXPECT_EQ(requests[1]["sub"], "collecte@cabinet.fr");
  EXPECT_EQ(requests[1]["scope"], "https://mail.google.com/");
  ASSERT_OK(Send("Relance"));
  EXPECT_EQ(server_.Messages().size(), 1u);
}

TEST_F(JwtBearerTest, RefusedDelegationAlertsWithWhereToGrantIt) {
  server_.Set("deny_delegation");
  EXPECT_EQ(tokens_->AccessToken("app").status().code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_EQ(alerts_.size(), 1u);
  EXPECT_TRUE(absl::StrContains(alerts_[0], "Délégation au niveau du domaine")) << alerts_[0];
}

TEST_F(JwtBearerTest, AnUnreadableKeyFileSaysSo) {
  std::ofstream(state_.Join("sa.json")) << "{}";
  EXPECT_EQ(tokens_->AccessToken("app").status().code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_EQ(alerts_.size(), 1u);
  EXPECT_TRUE(absl::StrContains(alerts_[0], "key_file")) << alerts_[0];
  EXPECT_TRUE(server_.TokenRequests().empty());
}

// IMAP: a real dovecot whose oauth2 passdb asks the same token server
// (RFC 7662 introspection) whether a token is live.
class OAuthImapTest : public OAuthTest {
 protected:
  void SetUp() override {
    OAuthTest::SetUp();
    std::filesystem::create_directories(state_.Join("archive"));
    std::filesystem::create_directories(mail_dir_.Join("d"));
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(state_.Join("liasse.db"), &clock_);
    ASSERT_OK(store);
    store_ = std::move(*store);
    ClientRecord cafe;
    cafe.id = "cafe";
    cafe.domains = {"cafe-du-port.fr"};
    ASSERT_OK(store_->SyncClients({cafe}));
    archive_ = std::make_unique<Archive>(state_.Join("archive"));
    intake_ = std::make_unique<Intake>(store_.get(), archive_.get(), 50 << 20, nullptr);
    dovecot_ = std::make_unique<testing::Dovecot>(mail_dir_.Join("d"));
    dovecot_->AcceptOAuth(server_.introspection_url(), mechanisms_);
    ASSERT_TRUE(dovecot_->Start()) << dovecot_->Log();
  }

  // The collection mailbox on the profile "app" (dovecot's user alice).
  Mailbox MailboxConfig() {
    Mailbox m;
    m.name = "collecte";
    m.url = dovecot_->url();
    m.username = "alice";
    m.oauth = "app";
    return m;
  }

  std::unique_ptr<MailPoller> Poller(const Mailbox& m) {
    return std::make_unique<MailPoller>(
        m, [] { return std::vector<ClientIdentity>{{"cafe", {}, {"cafe-du-port.fr"}}}; },
        store_.get(), intake_.get(), tokens_.get());
  }
  std::unique_ptr<MailPoller> Poller() { return Poller(MailboxConfig()); }

  void Deliver(int n) {
    dovecot_->Deliver(absl::StrCat(n, ".m"),
                      testing::Message("compta@cafe-du-port.fr", "collecte@cabinet.fr",
                                       absl::StrCat("Facture ", n), "ci-joint",
                                       {{"application/xml", absl::StrCat("f", n, ".xml"),
                                         absl::StrCat("<?xml version=\"1.0\"?><Invoice><ID>", n,
                                                      "</ID></Invoice>")}}));
  }

  size_t Documents() {
    DocumentFilter f;
    f.client_id = "cafe";
    absl::StatusOr<std::vector<DocumentRecord>> docs = store_->ListDocuments(f);
    return docs.ok() ? docs->size() : 0;
  }

  std::string mechanisms_ = "xoauth2 oauthbearer";  // what dovecot offers
  TempDir mail_dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Archive> archive_;
  std::unique_ptr<Intake> intake_;
  std::unique_ptr<testing::Dovecot> dovecot_;
};

// Seven token lifetimes of mail: each renewal logs in again with the new
// token, and every message is taken once.
TEST_F(OAuthImapTest, ReadsMailAcrossManyRenewalsPreferringOAuthBearer) {
  std::unique_ptr<MailPoller> poller = Poller();
  for (int i = 1; i <= 7; ++i) {
    Deliver(i);
    absl::Status polled = poller->PollOnce();
    ASSERT_TRUE(polled.ok()) << polled << dovecot_->Log();
    EXPECT_EQ(Documents(), static_cast<size_t>(i));
    clock_.Advance(absl::Seconds(85));  // past 80 % of the token's 100 s
  }
  EXPECT_EQ(server_.TokenRequests().size(), 7u);
  std::string log = dovecot_->Log();
  EXPECT_TRUE(absl::StrContains(log, "method=OAUTHBEARER")) << log;
  EXPECT_FALSE(absl::StrContains(log, "method=PLAIN")) << log;
  EXPECT_TRUE(alerts_.empty());
}

// The IDLE connection logs in with the token too.
TEST_F(OAuthImapTest, IdleWithATokenTakesNewMailAtOnce) {
  Mailbox m = MailboxConfig();
  m.poll_seconds = 3600;  // only IDLE can bring the mail in time
  std::unique_ptr<MailPoller> poller = Poller(m);
  poller->Start();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!poller->idling() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(poller->idling()) << dovecot_->Log();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // IDLE under way
  Deliver(1);
  while (Documents() == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(Documents(), 1u);
  poller->Stop();
  EXPECT_FALSE(absl::StrContains(dovecot_->Log(), "method=PLAIN"));
}

// Exchange Online offers XOAUTH2 only.
class OAuthImapXOAuth2OnlyTest : public OAuthImapTest {
 protected:
  void SetUp() override {
    mechanisms_ = "xoauth2";
    OAuthImapTest::SetUp();
  }
};

TEST_F(OAuthImapXOAuth2OnlyTest, LogsInWithXOAuth2) {
  Deliver(1);
  absl::Status polled = Poller()->PollOnce();
  ASSERT_TRUE(polled.ok()) << polled << dovecot_->Log();
  EXPECT_EQ(Documents(), 1u);
  EXPECT_TRUE(absl::StrContains(dovecot_->Log(), "method=XOAUTH2")) << dovecot_->Log();
}

TEST_F(OAuthImapTest, ATokenRefusedAtLoginIsRenewedAndNoMailIsLostOrTakenTwice) {
  Deliver(1);
  absl::Status polled = Poller()->PollOnce();
  ASSERT_TRUE(polled.ok()) << polled << dovecot_->Log();
  // A restart with a saved token the provider has since revoked.
  server_.Set("expire_tokens");
  tokens_ = NewTokens();
  std::unique_ptr<MailPoller> poller = Poller();
  Deliver(2);
  absl::Status refused = poller->PollOnce();
  EXPECT_EQ(refused.code(), absl::StatusCode::kPermissionDenied) << refused;
  EXPECT_TRUE(absl::StrContains(refused.message(), "le jeton est invalide ou expiré")) << refused;
  clock_.Advance(absl::Seconds(2));
  polled = poller->PollOnce();
  ASSERT_TRUE(polled.ok()) << polled << dovecot_->Log();
  EXPECT_EQ(Documents(), 2u);
  ASSERT_OK(poller->PollOnce());
  EXPECT_EQ(Documents(), 2u);
  EXPECT_TRUE(alerts_.empty());
}

}  // namespace
}  // namespace liasse
