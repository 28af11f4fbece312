// Periods, due dates, business days and the reminder cadence, on plain
// times (no clock is read): month/quarter/year edges, time zone and DST.
#include "workflows/collection.h"

#include <gtest/gtest.h>

#include "workflows/date.h"

namespace liasse {
namespace {

using namespace std::chrono;

constexpr month_day kDec31{December, day{31}};

absl::TimeZone Paris() {
  absl::TimeZone tz;
  EXPECT_TRUE(absl::LoadTimeZone("Europe/Paris", &tz));
  return tz;
}

absl::Time At(int y, int m, int d, int h, int min, absl::TimeZone tz) {
  return absl::FromCivil(absl::CivilMinute(y, m, d, h, min), tz);
}

TEST(PeriodTest, MonthQuarterAndFiscalYear) {
  Period oct = PeriodContaining("month", 2026y / October / 12, kDec31);
  EXPECT_EQ(oct.key, "2026-10");
  EXPECT_EQ(DueDate(oct, 5), 2026y / November / 5);
  Period dec = PeriodContaining("month", 2026y / December / 31, kDec31);
  EXPECT_EQ(DueDate(dec, 5), 2027y / January / 5);  // across the year
  EXPECT_EQ(DueDate(PeriodContaining("month", 2027y / January / 3, kDec31), 31),
            2027y / February / 28);  // clamped
  Period q = PeriodContaining("quarter", 2026y / November / 28, kDec31);
  EXPECT_EQ(q.key, "2026-Q4");
  EXPECT_EQ(q.first, 2026y / October / 1);
  EXPECT_EQ(q.last, 2026y / December / 31);
  // A fiscal year ending 30 June: July 2026 belongs to FY2027.
  month_day june30{June, day{30}};
  Period fy = PeriodContaining("year", 2026y / July / 1, june30);
  EXPECT_EQ(fy.key, "FY2027");
  EXPECT_EQ(fy.first, 2026y / July / 1);
  EXPECT_EQ(fy.last, 2027y / June / 30);
  EXPECT_EQ(ParsePeriodKey("FY2027", june30)->first, fy.first);
  EXPECT_EQ(ParsePeriodKey("2026-Q4", kDec31)->last, q.last);
  EXPECT_FALSE(ParsePeriodKey("2026-13", kDec31).ok());
  // 29 February as year end, in a common year: 28 February.
  EXPECT_EQ(PeriodContaining("year", 2027y / February / 28, month_day{February, day{29}}).last,
            2027y / February / 28);
}

TEST(PeriodTest, PeriodsFromStartUpToToday) {
  std::vector<Period> months = PeriodsFrom(2026y / September, 2026y / November / 28, "month", kDec31);
  ASSERT_EQ(months.size(), 3u);
  EXPECT_EQ(months.front().key, "2026-09");
  EXPECT_EQ(months.back().key, "2026-11");
  EXPECT_EQ(PeriodsFrom(2026y / September, 2026y / November / 28, "quarter", kDec31).size(), 2u);
}

TEST(CalendarTest, FrenchHolidaysAndBusinessDays) {
  EXPECT_TRUE(IsFrenchPublicHoliday(2026y / November / 11));
  EXPECT_TRUE(IsFrenchPublicHoliday(2026y / April / 6));   // Easter Monday 2026
  EXPECT_TRUE(IsFrenchPublicHoliday(2026y / May / 14));    // Ascension 2026
  EXPECT_TRUE(IsFrenchPublicHoliday(2026y / May / 25));    // Whit Monday 2026
  EXPECT_TRUE(IsFrenchPublicHoliday(2027y / March / 29));  // Easter Monday 2027
  EXPECT_FALSE(IsFrenchPublicHoliday(2026y / November / 12));
  EXPECT_FALSE(IsBusinessDay(2026y / November / 28));  // Saturday
  EXPECT_TRUE(IsBusinessDay(2026y / November / 30));
}

TEST(ItemStatusTest, ExpectedMissingOverdueReceivedWaived) {
  Date due = 2026y / November / 5;
  EXPECT_EQ(ItemStatus(due, 10, 2026y / November / 4, false, false), "expected");
  EXPECT_EQ(ItemStatus(due, 10, 2026y / November / 5, false, false), "missing");
  EXPECT_EQ(ItemStatus(due, 10, 2026y / November / 15, false, false), "overdue");
  EXPECT_EQ(ItemStatus(due, 10, 2026y / November / 15, true, false), "received");
  EXPECT_EQ(ItemStatus(due, 10, 2026y / November / 15, false, true), "waived");
}

TEST(NextAllowedTimeTest, QuietHoursWeekendsHolidaysAndDst) {
  absl::TimeZone tz = Paris();
  ReminderSettings s;  // 19:00-08:00, business days
  // Friday 20:00 → Monday 08:00.
  EXPECT_EQ(NextAllowedTime(At(2026, 11, 27, 20, 0, tz), s, tz), At(2026, 11, 30, 8, 0, tz));
  // Tuesday 10 November 21:00 → Thursday 12 November 08:00 (11 November is a holiday).
  EXPECT_EQ(NextAllowedTime(At(2026, 11, 10, 21, 0, tz), s, tz), At(2026, 11, 12, 8, 0, tz));
  // Already allowed: unchanged.
  EXPECT_EQ(NextAllowedTime(At(2026, 11, 30, 10, 0, tz), s, tz), At(2026, 11, 30, 10, 0, tz));
  // Night of the DST change (25 October 2026, Sunday): Monday 08:00 local,
  // which is 07:00 UTC after the change.
  absl::Time monday = NextAllowedTime(At(2026, 10, 24, 22, 0, tz), s, tz);
  EXPECT_EQ(monday, absl::FromCivil(absl::CivilMinute(2026, 10, 26, 7, 0), absl::UTCTimeZone()));
  s.business_days_only = false;
  EXPECT_EQ(NextAllowedTime(At(2026, 11, 28, 6, 0, tz), s, tz), At(2026, 11, 28, 8, 0, tz));
}

TEST(DecideReminderTest, CadenceMaxRemindersThenEscalation) {
  absl::TimeZone tz = Paris();
  ReminderSettings s;
  s.first_after_days = 3;
  s.every_days = 7;
  s.max_reminders = 2;
  ClientReminderState state;
  state.open_due_dates = {2026y / November / 5};
  // Before due + 3 days: nothing yet, the first is planned for Monday 9 Nov 08:00.
  ReminderDecision d = DecideReminder(state, s, At(2026, 11, 6, 12, 0, tz), tz);
  EXPECT_EQ(d.action, ReminderDecision::Action::kNothing);
  EXPECT_EQ(d.next_at, At(2026, 11, 9, 8, 0, tz));
  d = DecideReminder(state, s, At(2026, 11, 9, 8, 0, tz), tz);
  EXPECT_EQ(d.action, ReminderDecision::Action::kSend);
  EXPECT_EQ(d.attempt, 1);
  EXPECT_EQ(d.slot, "2026-11-05#1");
  state.reminders_sent = {At(2026, 11, 9, 8, 0, tz)};
  EXPECT_EQ(DecideReminder(state, s, At(2026, 11, 15, 12, 0, tz), tz).action,
            ReminderDecision::Action::kNothing);
  d = DecideReminder(state, s, At(2026, 11, 16, 8, 0, tz), tz);
  EXPECT_EQ(d.action, ReminderDecision::Action::kSend);
  EXPECT_EQ(d.slot, "2026-11-05#2");
  state.reminders_sent.push_back(At(2026, 11, 16, 8, 0, tz));
  // After max_reminders, silence for every_days → staff are told, once.
  EXPECT_EQ(DecideReminder(state, s, At(2026, 11, 22, 8, 0, tz), tz).action,
            ReminderDecision::Action::kNothing);
  d = DecideReminder(state, s, At(2026, 11, 23, 8, 0, tz), tz);
  EXPECT_EQ(d.action, ReminderDecision::Action::kEscalate);
  EXPECT_EQ(d.slot, "2026-11-05#escalation");
  state.escalated = true;
  EXPECT_EQ(DecideReminder(state, s, At(2026, 11, 30, 8, 0, tz), tz).action,
            ReminderDecision::Action::kNothing);
}

TEST(DecideReminderTest, PausedNoAddressRepliesAndClosedItems) {
  absl::TimeZone tz = Paris();
  ReminderSettings s;
  ClientReminderState state;
  state.open_due_dates = {2026y / November / 5};
  absl::Time later = At(2026, 11, 20, 10, 0, tz);
  state.paused = true;
  EXPECT_EQ(DecideReminder(state, s, later, tz).action, ReminderDecision::Action::kNothing);
  state.paused = false;
  state.has_address = false;
  EXPECT_EQ(DecideReminder(state, s, later, tz).action, ReminderDecision::Action::kNoAddress);
  state.has_address = true;
  state.paused_until = At(2026, 11, 25, 9, 0, tz);  // the client wrote back
  EXPECT_EQ(DecideReminder(state, s, later, tz).action, ReminderDecision::Action::kNothing);
  EXPECT_EQ(DecideReminder(state, s, At(2026, 11, 25, 9, 0, tz), tz).action,
            ReminderDecision::Action::kSend);
  state.open_due_dates.clear();  // everything arrived
  EXPECT_EQ(DecideReminder(state, s, later, tz).action, ReminderDecision::Action::kNothing);
}

// ---------- bank statements

}  // namespace
}  // namespace liasse
