// What a client owes and when to ask for it: accounting periods, due dates,
// item states, French business days, and the reminder policy. Pure: the
// caller passes "now" (from a Clock) and the firm's time zone.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace liasse {

using Date = std::chrono::year_month_day;

// One accounting period: "2026-10" (month), "2026-Q4" (quarter) or "FY2026"
// (the fiscal year that ends in 2026).
struct Period {
  std::string key;
  Date first;
  Date last;
};

// The period of `every` (month | quarter | year) that contains `day`; yearly
// periods end on the client's fiscal_year_end.
Period PeriodContaining(const std::string& every, Date day, std::chrono::month_day fiscal_year_end);
// Parses a key made by PeriodContaining back ("2026-10", "2026-Q4", "FY2026").
absl::StatusOr<Period> ParsePeriodKey(const std::string& key,
                                      std::chrono::month_day fiscal_year_end);
// The period after `p`, of the same kind.
Period NextPeriod(const Period& p, const std::string& every, std::chrono::month_day fiscal_year_end);
// `due_day` of the month after the period (clamped to that month's length):
// the statement for October is due on 5 November.
Date DueDate(const Period& p, int due_day);

// Periods of `every` from the one containing the first day of `start` up to
// and including the one containing `today`.
std::vector<Period> PeriodsFrom(std::chrono::year_month start, Date today, const std::string& every,
                                std::chrono::month_day fiscal_year_end);

// French public holidays (metropolitan: 11 days, Easter Monday, Ascension,
// Whit Monday included).
bool IsFrenchPublicHoliday(Date day);
bool IsBusinessDay(Date day);  // Monday–Friday, not a French public holiday

Date LocalDate(absl::Time t, absl::TimeZone tz);
// `minute` minutes after local midnight of `d` (0: the day's start).
absl::Time LocalTime(Date d, int minute, absl::TimeZone tz);
Date AddDays(Date d, int days);
int DaysBetween(Date from, Date to);  // to - from

// expected (not due yet) → missing (due) → overdue (due + grace); received
// when a document is filed; waived by staff.
std::string ItemStatus(Date due, int grace_days, Date today, bool has_document, bool waived);

struct ReminderSettings {
  int first_after_days = 3;
  int every_days = 7;
  int max_reminders = 3;
  int quiet_start_minute = 19 * 60;  // quiet_hours "19:00-08:00"
  int quiet_end_minute = 8 * 60;
  bool business_days_only = true;
};

// Parses "19:00-08:00" into the two minutes of day.
absl::Status ParseQuietHours(const std::string& text, ReminderSettings* settings);

struct ClientReminderState {
  bool paused = false;   // config: never reminded
  bool has_address = true;
  // Due dates of the client's open items (missing or overdue or to redo).
  std::vector<Date> open_due_dates;
  // Reminders already sent (or in flight) for the open items, oldest first.
  std::vector<absl::Time> reminders_sent;
  bool escalated = false;  // staff already told about this round
  std::optional<absl::Time> paused_until;  // a reply in words
};

struct ReminderDecision {
  enum class Action { kNothing, kSend, kEscalate, kNoAddress };
  Action action = Action::kNothing;
  int attempt = 0;  // 1-based number of the reminder to send
  // When the next reminder (or escalation) is due; InfiniteFuture if none.
  absl::Time next_at = absl::InfiniteFuture();
  // Stable name of this reminder: the oldest due date and the attempt
  // ("2026-11-05#2"), so a slot is sent at most once.
  std::string slot;
};

// The earliest time at or after `t` outside quiet hours and, when asked, on
// a business day.
absl::Time NextAllowedTime(absl::Time t, const ReminderSettings& settings, absl::TimeZone tz);

ReminderDecision DecideReminder(const ClientReminderState& state, const ReminderSettings& settings,
                                absl::Time now, absl::TimeZone tz);

}  // namespace liasse
