#include "workflows/collection.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "workflows/date.h"

namespace liasse {
namespace {

using std::chrono::day;
using std::chrono::month;
using std::chrono::year;
using std::chrono::year_month;

Date LastDayOf(year_month ym) {
  return Date{std::chrono::year_month_day_last{ym.year(), std::chrono::month_day_last{ym.month()}}};
}

Date FirstDayOf(year_month ym) { return Date{ym.year(), ym.month(), day{1}}; }

// The day `md` in year `y`, 28 February for 29 February in a common year.
Date DayInYear(year y, std::chrono::month_day md) {
  Date d{y, md.month(), md.day()};
  return d.ok() ? d : LastDayOf(year_month{y, md.month()});
}

Period MonthOf(year_month ym) {
  return {FormatYearMonth(ym), FirstDayOf(ym), LastDayOf(ym)};
}

Period QuarterOf(year y, unsigned q) {
  year_month first{y, month{(q - 1) * 3 + 1}};
  year_month last{y, month{q * 3}};
  return {absl::StrFormat("%04d-Q%u", static_cast<int>(y), q), FirstDayOf(first), LastDayOf(last)};
}

// The fiscal year ending in year `y`.
Period FiscalYearEndingIn(year y, std::chrono::month_day fye) {
  Date last = DayInYear(y, fye);
  Date previous_end = DayInYear(y - std::chrono::years{1}, fye);
  return {absl::StrFormat("FY%04d", static_cast<int>(y)), AddDays(previous_end, 1), last};
}

Date EasterSunday(int y) {
  // Anonymous Gregorian algorithm (Meeus/Jones/Butcher).
  int a = y % 19, b = y / 100, c = y % 100, d = b / 4, e = b % 4;
  int f = (b + 8) / 25, g = (b - f + 1) / 3, h = (19 * a + b - d - g + 15) % 30;
  int i = c / 4, k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7;
  int m = (a + 11 * h + 22 * l) / 451;
  int mon = (h + l - 7 * m + 114) / 31, dd = ((h + l - 7 * m + 114) % 31) + 1;
  return Date{year{y}, month{static_cast<unsigned>(mon)}, day{static_cast<unsigned>(dd)}};
}

absl::CivilDay ToCivil(Date d) {
  return absl::CivilDay(static_cast<int>(d.year()), static_cast<unsigned>(d.month()),
                        static_cast<unsigned>(d.day()));
}

Date FromCivil(absl::CivilDay c) {
  return Date{year{static_cast<int>(c.year())}, month{static_cast<unsigned>(c.month())},
              day{static_cast<unsigned>(c.day())}};
}

bool InQuiet(int minute, const ReminderSettings& s) {
  if (s.quiet_start_minute == s.quiet_end_minute) return false;
  if (s.quiet_start_minute > s.quiet_end_minute) {  // crosses midnight
    return minute >= s.quiet_start_minute || minute < s.quiet_end_minute;
  }
  return minute >= s.quiet_start_minute && minute < s.quiet_end_minute;
}

}  // namespace

Date AddDays(Date d, int days) {
  return Date{std::chrono::sys_days{d} + std::chrono::days{days}};
}

int DaysBetween(Date from, Date to) {
  return static_cast<int>((std::chrono::sys_days{to} - std::chrono::sys_days{from}).count());
}

Date LocalDate(absl::Time t, absl::TimeZone tz) {
  return FromCivil(absl::CivilDay(absl::ToCivilSecond(t, tz)));
}

absl::Time LocalTime(Date d, int minute, absl::TimeZone tz) {
  return absl::FromCivil(absl::CivilMinute(static_cast<int>(d.year()),
                                           static_cast<unsigned>(d.month()),
                                           static_cast<unsigned>(d.day()), minute / 60, minute % 60),
                         tz);
}

Period PeriodContaining(const std::string& every, Date d, std::chrono::month_day fye) {
  if (every == "quarter") {
    unsigned q = (static_cast<unsigned>(d.month()) - 1) / 3 + 1;
    return QuarterOf(d.year(), q);
  }
  if (every == "year") {
    Date end_this_year = DayInYear(d.year(), fye);
    return FiscalYearEndingIn(d <= end_this_year ? d.year() : d.year() + std::chrono::years{1}, fye);
  }
  return MonthOf(year_month{d.year(), d.month()});
}

absl::StatusOr<Period> ParsePeriodKey(const std::string& key, std::chrono::month_day fye) {
  int y = 0;
  unsigned q = 0;
  if (key.size() == 6 && key.rfind("FY", 0) == 0 && absl::SimpleAtoi(key.substr(2), &y)) {
    return FiscalYearEndingIn(year{y}, fye);
  }
  if (key.size() == 7 && key[4] == '-' && key[5] == 'Q' && absl::SimpleAtoi(key.substr(0, 4), &y) &&
      absl::SimpleAtoi(key.substr(6), &q) && q >= 1 && q <= 4) {
    return QuarterOf(year{y}, q);
  }
  absl::StatusOr<year_month> ym = ParseYearMonth(key);
  if (!ym.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a period: \"", key, "\" (YYYY-MM, YYYY-Qn or FYyyyy)"));
  }
  return MonthOf(*ym);
}

Period NextPeriod(const Period& p, const std::string& every, std::chrono::month_day fye) {
  return PeriodContaining(every, AddDays(p.last, 1), fye);
}

Date DueDate(const Period& p, int due_day) {
  year_month next = year_month{p.last.year(), p.last.month()} + std::chrono::months{1};
  Date last = LastDayOf(next);
  unsigned want = static_cast<unsigned>(std::clamp(due_day, 1, 31));
  return Date{next.year(), next.month(), day{std::min(want, static_cast<unsigned>(last.day()))}};
}

std::vector<Period> PeriodsFrom(year_month start, Date today, const std::string& every,
                                std::chrono::month_day fye) {
  std::vector<Period> out;
  Period p = PeriodContaining(every, FirstDayOf(start), fye);
  for (int guard = 0; p.first <= today && guard < 1200; ++guard) {
    out.push_back(p);
    p = NextPeriod(p, every, fye);
  }
  return out;
}

bool IsFrenchPublicHoliday(Date d) {
  unsigned m = static_cast<unsigned>(d.month());
  unsigned dd = static_cast<unsigned>(d.day());
  static constexpr std::pair<unsigned, unsigned> kFixed[] = {
      {1, 1}, {5, 1}, {5, 8}, {7, 14}, {8, 15}, {11, 1}, {11, 11}, {12, 25}};
  for (auto [fm, fd] : kFixed) {
    if (m == fm && dd == fd) return true;
  }
  Date easter = EasterSunday(static_cast<int>(d.year()));
  for (int offset : {1, 39, 50}) {  // Easter Monday, Ascension, Whit Monday
    if (AddDays(easter, offset) == d) return true;
  }
  return false;
}

bool IsBusinessDay(Date d) {
  std::chrono::weekday wd{std::chrono::sys_days{d}};
  if (wd == std::chrono::Saturday || wd == std::chrono::Sunday) return false;
  return !IsFrenchPublicHoliday(d);
}

std::string ItemStatus(Date due, int grace_days, Date today, bool has_document, bool waived) {
  if (has_document) return "received";
  if (waived) return "waived";
  if (today < due) return "expected";
  if (today < AddDays(due, grace_days)) return "missing";
  return "overdue";
}

absl::Status ParseQuietHours(const std::string& text, ReminderSettings* s) {
  std::vector<std::string> parts = absl::StrSplit(text, '-');
  if (text.empty()) {
    s->quiet_start_minute = s->quiet_end_minute = 0;
    return absl::OkStatus();
  }
  if (parts.size() != 2) return absl::InvalidArgumentError("quiet_hours: want HH:MM-HH:MM");
  absl::StatusOr<int> start = ParseClockTime(parts[0]);
  absl::StatusOr<int> end = ParseClockTime(parts[1]);
  if (!start.ok() || !end.ok()) return absl::InvalidArgumentError("quiet_hours: want HH:MM-HH:MM");
  s->quiet_start_minute = *start;
  s->quiet_end_minute = *end;
  return absl::OkStatus();
}

absl::Time NextAllowedTime(absl::Time t, const ReminderSettings& s, absl::TimeZone tz) {
  // Minute steps would be exact but slow; jump to the end of quiet hours or
  // to the next day's end of quiet hours instead. Two weeks of holidays at most.
  for (int guard = 0; guard < 40; ++guard) {
    absl::CivilMinute local = absl::ToCivilMinute(t, tz);
    Date today = FromCivil(absl::CivilDay(local));
    int minute = local.hour() * 60 + local.minute();
    if (s.business_days_only && !IsBusinessDay(today)) {
      int morning = s.quiet_start_minute > s.quiet_end_minute ? s.quiet_end_minute : 0;
      t = absl::FromCivil(absl::CivilMinute(absl::CivilDay(local) + 1) + morning, tz);
      continue;
    }
    if (!InQuiet(minute, s)) return t;
    absl::CivilDay day_of_end = absl::CivilDay(local);
    if (s.quiet_start_minute > s.quiet_end_minute && minute >= s.quiet_start_minute) {
      day_of_end += 1;  // evening: quiet until tomorrow morning
    }
    t = absl::FromCivil(absl::CivilMinute(day_of_end) + s.quiet_end_minute, tz);
  }
  return t;
}

ReminderDecision DecideReminder(const ClientReminderState& state, const ReminderSettings& s,
                                absl::Time now, absl::TimeZone tz) {
  ReminderDecision d;
  if (state.paused || state.open_due_dates.empty()) return d;
  Date oldest = *std::min_element(state.open_due_dates.begin(), state.open_due_dates.end());
  int sent = static_cast<int>(state.reminders_sent.size());
  absl::Time at;
  if (sent == 0) {
    // The first reminder: first_after_days after the oldest item fell due,
    // from the end of the quiet hours of that day.
    Date first = AddDays(oldest, s.first_after_days);
    at = absl::FromCivil(absl::CivilMinute(ToCivil(first)) + s.quiet_end_minute, tz);
  } else {
    at = state.reminders_sent.back() + absl::Hours(24) * s.every_days;
  }
  if (state.paused_until && *state.paused_until > at) at = *state.paused_until;
  if (sent >= s.max_reminders) {
    if (state.escalated) return d;
    d.next_at = at;  // staff are told when the last reminder went unanswered
    if (now >= at) d.action = ReminderDecision::Action::kEscalate;
    d.slot = absl::StrCat(FormatIsoDate(oldest), "#escalation");
    return d;
  }
  at = NextAllowedTime(at, s, tz);
  d.next_at = at;
  d.attempt = sent + 1;
  d.slot = absl::StrCat(FormatIsoDate(oldest), "#", d.attempt);
  if (now >= at) {
    d.action = state.has_address ? ReminderDecision::Action::kSend
                                 : ReminderDecision::Action::kNoAddress;
  }
  return d;
}

}  // namespace liasse
