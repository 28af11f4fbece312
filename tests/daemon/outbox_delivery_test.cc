// OutboxDelivery over a real SQLite store, with a fake Mailer: what is sent,
// in which order, how fast, and what a refusal leads to.
#include "daemon/process/outbox_delivery.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/fakes/fake_clock.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_store.h"

namespace liasse {
namespace {

class FakeMailer : public Mailer {
 public:
  absl::Status Send(const std::string& from, const std::vector<std::string>& to,
                    const std::string& message) override {
    sent.push_back({from, to, message});
    if (!answers.empty()) {
      absl::Status next = answers.front();
      answers.erase(answers.begin());
      return next;
    }
    return absl::OkStatus();
  }
  struct Sent {
    std::string from;
    std::vector<std::string> to;
    std::string message;
  };
  std::vector<Sent> sent;
  std::vector<absl::Status> answers;  // in order; OK once exhausted
};

class RecordingEscalator : public Escalator {
 public:
  absl::Status Escalate(const std::string& client_id, const std::string& title,
                        const std::string&, bool urgent, const std::string&) override {
    raised.push_back({client_id, title, urgent});
    return absl::OkStatus();
  }
  struct Raised {
    std::string client_id;
    std::string title;
    bool urgent;
  };
  std::vector<Raised> raised;
};

class OutboxDeliveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenTestStore(dir_.path(), &clock_,
                                    {testing::TestClient("acme", {"compta@acme.fr"})});
    ASSERT_NE(store_, nullptr);
    delivery_ = std::make_unique<OutboxDelivery>(store_.get(), store_.get(), &clock_);
  }

  int64_t Schedule(const std::string& slot, const std::string& message) {
    OutboxRecord r;
    r.client_id = "acme";
    r.kind = "reminder";
    r.slot = slot;
    r.recipients_json = R"(["compta@acme.fr"])";
    r.message_id = "<" + slot + "@liasse>";
    r.message = message;
    r.created_at = clock_.Now();
    absl::StatusOr<int64_t> id = store_->InsertOutbox(r);
    EXPECT_TRUE(id.ok()) << id.status();
    return id.value_or(0);
  }

  std::string StateOf(int64_t id) {
    absl::StatusOr<std::vector<OutboxRecord>> rows = store_->ListOutbox("", "", std::nullopt, 100);
    if (!rows.ok()) return rows.status().ToString();
    for (const OutboxRecord& r : *rows) {
      if (r.id == id) return std::string(OutboxStateName(r.state));
    }
    return "";
  }

  // One delivery pass through the fake mailer.
  absl::Status Deliver(int max_per_minute = 10) {
    return delivery_->Deliver(&mailer_, "collecte@cabinet.fr", max_per_minute, &staff_);
  }

  testing::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<OutboxDelivery> delivery_;
  FakeMailer mailer_;
  RecordingEscalator staff_;
};

TEST_F(OutboxDeliveryTest, DueRowsAreSentOldestFirstAndMarkedSent) {
  int64_t first = Schedule("2026-10#1", "first");
  clock_.Advance(absl::Seconds(1));
  int64_t second = Schedule("2026-10#2", "second");
  ASSERT_OK(Deliver());
  ASSERT_EQ(mailer_.sent.size(), 2u);
  EXPECT_EQ(mailer_.sent[0].message, "first");
  EXPECT_EQ(mailer_.sent[1].message, "second");
  EXPECT_EQ(mailer_.sent[0].to, std::vector<std::string>{"compta@acme.fr"});
  EXPECT_EQ(StateOf(first), "sent");
  EXPECT_EQ(StateOf(second), "sent");
  // Nothing is sent twice.
  ASSERT_OK(Deliver());
  EXPECT_EQ(mailer_.sent.size(), 2u);
}

TEST_F(OutboxDeliveryTest, AtMostMaxPerMinuteAreSentTheRestWaitsAMinute) {
  for (int i = 0; i < 3; ++i) Schedule("slot#" + std::to_string(i), "m");
  ASSERT_OK(Deliver(2));
  EXPECT_EQ(mailer_.sent.size(), 2u);
  ASSERT_OK(Deliver(2));
  EXPECT_EQ(mailer_.sent.size(), 2u);
  clock_.Advance(absl::Seconds(61));
  ASSERT_OK(Deliver(2));
  EXPECT_EQ(mailer_.sent.size(), 3u);
}

TEST_F(OutboxDeliveryTest, ATransientFailureIsRetriedLaterNotAtOnce) {
  int64_t id = Schedule("2026-10#1", "m");
  mailer_.answers = {absl::UnavailableError("connection refused")};
  ASSERT_OK(Deliver());
  EXPECT_EQ(StateOf(id), "scheduled");
  ASSERT_OK(Deliver());
  EXPECT_EQ(mailer_.sent.size(), 1u);  // not due yet
  clock_.Advance(absl::Minutes(2));
  ASSERT_OK(Deliver());
  EXPECT_EQ(mailer_.sent.size(), 2u);
  EXPECT_EQ(StateOf(id), "sent");
  EXPECT_TRUE(staff_.raised.empty());
}

TEST_F(OutboxDeliveryTest, ARefusedReminderFailsMarksTheAddressBadAndWarnsStaffAtOnce) {
  int64_t id = Schedule("2026-10#1", "m");
  mailer_.answers = {absl::FailedPreconditionError("550 no such user")};
  ASSERT_OK(Deliver());
  EXPECT_EQ(StateOf(id), "failed");
  auto contact = store_->GetContactState("acme");
  ASSERT_OK(contact);
  EXPECT_EQ(contact->second, std::vector<std::string>{"compta@acme.fr"});
  ASSERT_EQ(staff_.raised.size(), 1u);
  EXPECT_TRUE(staff_.raised[0].urgent);
  EXPECT_EQ(staff_.raised[0].client_id, "acme");
}

}  // namespace
}  // namespace liasse
