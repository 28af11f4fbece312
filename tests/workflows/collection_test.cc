// Periods, due dates, business days and the reminder cadence, on plain
// times (no clock is read): month/quarter/year edges, time zone and DST.
#include "workflows/collection.h"

#include <gtest/gtest.h>

#include "workflows/bank_statement.h"
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

TEST(BankCsvTest, FrenchExportWithPreambleDebitCreditAndWindows1252) {
  std::string csv =
      "Compte courant;FR76 3000 6000 0112 3456 7890 189\r\n"
      "Solde au 31/10/2026;1 234,56\r\n"
      "\r\n"
      "Date;Libell\xE9;D\xE9" "bit;Cr\xE9" "dit\r\n"
      "12/10/2026;CB CARREFOUR 11/10;45,20;\r\n"
      "14/10/2026;VIR SEPA CLIENT DUPONT;;1 500,00\r\n"
      "15/10/2026;\"PRLV URSSAF; cotisations\";312,00;\r\n";
  absl::StatusOr<BankStatement> st = ParseBankStatement(csv, "");
  ASSERT_TRUE(st.ok()) << st.status();
  EXPECT_EQ(st->format, "csv");
  ASSERT_EQ(st->txns.size(), 3u);
  EXPECT_EQ(st->txns[0].amount, Money{-4520});
  EXPECT_EQ(st->txns[0].date, 2026y / October / 12);
  EXPECT_EQ(st->txns[1].amount, Money{150000});
  EXPECT_EQ(st->txns[2].label, "PRLV URSSAF; cotisations");
  EXPECT_EQ(st->account, "FR7630006000011234567890189");
  // Re-reading gives the same fingerprints (re-import adds nothing).
  EXPECT_EQ(ParseBankStatement(csv, "")->txns[0].fingerprint, st->txns[0].fingerprint);
  // Windows-1252 é became UTF-8.
  EXPECT_EQ(ToUtf8("D\xE9" "bit"), "D\xC3\xA9" "bit");
}

TEST(BankCsvTest, MalformedLineIsRejectedWithLineAndColumn) {
  std::string csv = "Date;Libellé;Montant\n12/10/2026;A;-1,00\n13/13/2026;B;-2,00\n";
  absl::StatusOr<BankStatement> st = ParseBankStatement(csv, "csv");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.status().message().find("line 3, column 1"), std::string::npos) << st.status();
  std::string amounts = "Date,Label,Amount\n2026-10-12,A,-1.00\n2026-10-13,B,lots\n";
  st = ParseBankStatement(amounts, "");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.status().message().find("line 3, column 3"), std::string::npos) << st.status();
  // Positional columns for files without a header.
  st = ParseBankStatement("12/10/2026;x;CB SHELL;-60,00\n", "csv:date=1,label=3,amount=4");
  ASSERT_TRUE(st.ok()) << st.status();
  EXPECT_EQ(st->txns[0].amount, Money{-6000});
}

TEST(BankOfxTest, Sgml1xAndXml2x) {
  std::string sgml =
      "OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\n\n<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS>"
      "<BANKACCTFROM><BANKID>30006<ACCTID>00012345678</BANKACCTFROM><BANKTRANLIST>\n"
      "<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20261012<TRNAMT>-45.20<FITID>A1<NAME>CB CARREFOUR\n"
      "</STMTTRN>\n<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20261014120000<TRNAMT>1500,00<FITID>A2"
      "<NAME>VIR DUPONT<MEMO>FACTURE 12\n</STMTTRN></BANKTRANLIST>"
      "<LEDGERBAL><BALAMT>2689.36<DTASOF>20261031</LEDGERBAL></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>";
  absl::StatusOr<BankStatement> st = ParseBankStatement(sgml, "");
  ASSERT_TRUE(st.ok()) << st.status();
  EXPECT_EQ(st->format, "ofx");
  EXPECT_EQ(st->account, "00012345678");
  ASSERT_EQ(st->txns.size(), 2u);
  EXPECT_EQ(st->txns[0].amount, Money{-4520});
  EXPECT_EQ(st->txns[1].amount, Money{150000});
  EXPECT_EQ(st->txns[1].label, "VIR DUPONT FACTURE 12");
  EXPECT_EQ(st->closing_balance, Money{268936});
  std::string xml =
      "<?xml version=\"1.0\"?><?OFX OFXHEADER=\"200\" VERSION=\"220\"?><OFX><STMTTRN>"
      "<TRNTYPE>DEBIT</TRNTYPE><DTPOSTED>20261012</DTPOSTED><TRNAMT>-9.99</TRNAMT>"
      "<FITID>X</FITID><NAME>NETFLIX</NAME></STMTTRN></OFX>";
  st = ParseBankStatement(xml, "");
  ASSERT_TRUE(st.ok()) << st.status();
  ASSERT_EQ(st->txns.size(), 1u);
  EXPECT_EQ(st->txns[0].amount, Money{-999});
  EXPECT_FALSE(ParseBankStatement("<OFX><STMTTRN><DTPOSTED>2026</STMTTRN>", "ofx").ok());
}

std::string CfonbRecord(const std::string& code, const std::string& date, const std::string& label,
                        const std::string& amount14) {
  std::string r(120, ' ');
  r.replace(0, 2, code);
  r.replace(2, 5, "30006");
  r.replace(11, 5, "00001");
  r.replace(16, 3, "EUR");
  r.replace(19, 1, "2");
  r.replace(21, 11, "00012345678");
  r.replace(34, 6, date);
  r.replace(48, label.size(), label);
  r.replace(90, 14, amount14);
  return r;
}

TEST(BankCfonbTest, MovementsAndBalances) {
  std::string file = CfonbRecord("01", "301026", "", "0000000012345{") + "\n" +
                     CfonbRecord("04", "121026", "CB CARREFOUR", "0000000000452}") + "\n" +
                     CfonbRecord("04", "141026", "VIR DUPONT", "0000000015000{") + "\n" +
                     CfonbRecord("07", "311026", "", "0000000026893{") + "\n";
  absl::StatusOr<BankStatement> st = ParseBankStatement(file, "");
  ASSERT_TRUE(st.ok()) << st.status();
  EXPECT_EQ(st->format, "cfonb120");
  ASSERT_EQ(st->txns.size(), 2u);
  EXPECT_EQ(st->txns[0].amount, Money{-4520});
  EXPECT_EQ(st->txns[0].label, "CB CARREFOUR");
  EXPECT_EQ(st->txns[1].amount, Money{150000});
  // Balances that do not add up: refused whole.
  std::string bad = CfonbRecord("01", "301026", "", "0000000012345{") + "\n" +
                    CfonbRecord("04", "121026", "CB", "0000000000452}") + "\n" +
                    CfonbRecord("07", "311026", "", "0000000099999{") + "\n";
  EXPECT_FALSE(ParseBankStatement(bad, "cfonb120").ok());
}

TEST(BankCamtTest, EntriesWithCreditorNames) {
  std::string xml = R"(<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt>
<Acct><Id><IBAN>FR7630006000011234567890189</IBAN></Id></Acct>
<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">100.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></Bal>
<Ntry><Amt Ccy="EUR">45.20</Amt><CdtDbtInd>DBIT</CdtDbtInd><BookgDt><Dt>2026-10-12</Dt></BookgDt>
<AcctSvcrRef>REF1</AcctSvcrRef><NtryDtls><TxDtls><RltdPties><Cdtr><Nm>CARREFOUR MARKET</Nm></Cdtr></RltdPties>
<RmtInf><Ustrd>CB 11/10</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
<Ntry><Amt Ccy="EUR">1500</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2026-10-14</Dt></BookgDt></Ntry>
</Stmt></BkToCstmrStmt></Document>)";
  absl::StatusOr<BankStatement> st = ParseBankStatement(xml, "");
  ASSERT_TRUE(st.ok()) << st.status();
  EXPECT_EQ(st->format, "camt053");
  EXPECT_EQ(st->account, "FR7630006000011234567890189");
  ASSERT_EQ(st->txns.size(), 2u);
  EXPECT_EQ(st->txns[0].amount, Money{-4520});
  EXPECT_EQ(st->txns[0].label, "CARREFOUR MARKET CB 11/10");
  EXPECT_EQ(st->txns[0].reference, "REF1");
  EXPECT_EQ(st->txns[1].amount, Money{150000});
  EXPECT_EQ(st->opening_balance, Money{10000});
  EXPECT_FALSE(ParseBankStatement("<Document><BkToCstmrStmt>", "camt053").ok());
}

TEST(BankPdfTextTest, MovementsSignedByTheirColumnAndCheckedAgainstBalances) {
  const std::string text =
      "BNP PARIBAS                                  RELEVÉ DE COMPTE\n"
      "IBAN FR76 3000 6000 0112 3456 7890 189\n"
      "Date      Valeur    Libellé                           Débit        Crédit\n"
      "          SOLDE CRÉDITEUR AU 30/09/2026 / ANCIEN SOLDE                1 234,56\n"
      "12/10     12/10     CB CARREFOUR MARKET 11/10          45,20\n"
      "14/10     14/10     VIR SEPA CLIENT DUPONT                          1 500,00\n"
      "15/10     15/10     PRLV URSSAF                       312,00\n"
      "          NOUVEAU SOLDE AU 31/10/2026                                 2 377,36\n";
  absl::StatusOr<BankStatement> st = ParseStatementText(text);
  ASSERT_TRUE(st.ok()) << st.status();
  EXPECT_EQ(st->account, "FR7630006000011234567890189");
  ASSERT_EQ(st->txns.size(), 3u);
  EXPECT_EQ(st->txns[0].amount, Money{-4520});
  EXPECT_EQ(st->txns[0].date, 2026y / October / 12);
  EXPECT_EQ(st->txns[0].label, "CB CARREFOUR MARKET 11/10");
  EXPECT_EQ(st->txns[1].amount, Money{150000});
  EXPECT_EQ(st->txns[2].amount, Money{-31200});
  // One digit misread by OCR: the balances no longer add up → a person checks.
  std::string misread = text;
  misread.replace(misread.find("312,00"), 6, "317,00");
  EXPECT_TRUE(absl::IsFailedPrecondition(ParseStatementText(misread).status()));
  // No balances at all: not a statement this can read.
  EXPECT_TRUE(absl::IsNotFound(ParseStatementText("FACTURE 12\nTotal 45,20\n").status()));
}

TEST(MatchingTest, IgnoredLabelsAndMinimumAmount) {
  MatchOptions o;
  o.ignore_labels = {"URSSAF", "DGFIP", "FRAIS BANCAIRES"};
  BankTxn t;
  t.amount = Money{-31200};
  t.label = "PRLV SEPA URSSAF IDF";
  EXPECT_FALSE(NeedsReceipt(t, o));
  t.label = "CB CARREFOUR";
  EXPECT_TRUE(NeedsReceipt(t, o));
  t.amount = Money{-500};  // under min_amount (10 €)
  EXPECT_FALSE(NeedsReceipt(t, o));
  t.amount = Money{5000};  // a credit
  EXPECT_FALSE(NeedsReceipt(t, o));
}

TEST(MatchingTest, OneToOneByAmountDateAndName) {
  MatchOptions o;
  std::vector<MatchDebit> debits = {{1, 2026y / October / 12, Money{4520}, "CB CARREFOUR 11/10"},
                                    {2, 2026y / October / 13, Money{4520}, "CB SHELL STATION"},
                                    {3, 2026y / October / 20, Money{9999}, "CB AMAZON"}};
  std::vector<MatchDocument> docs = {{10, 2026y / October / 11, Money{4520}, "", "Carrefour Market"},
                                     {11, 2026y / October / 13, Money{4520}, "", "Shell"},
                                     {12, 2026y / December / 20, Money{9999}, "", "Amazon"}};
  std::vector<Match> m = MatchDebits(debits, docs, o);
  ASSERT_EQ(m.size(), 2u);  // Amazon's date is outside the window
  std::map<int64_t, int64_t> by_debit;
  for (const Match& x : m) by_debit[x.debit_id] = x.document_id;
  EXPECT_EQ(by_debit[1], 10);
  EXPECT_EQ(by_debit[2], 11);
}

TEST(MatchingTest, AmbiguousTiesAreLeftForAPersonAndFxHasTolerance) {
  MatchOptions o;
  // Two identical receipts for one debit, nothing tells them apart.
  std::vector<MatchDebit> debits = {{1, 2026y / October / 12, Money{2000}, "CB PARKING"}};
  std::vector<MatchDocument> twins = {{10, 2026y / October / 12, Money{2000}, "", "Indigo"},
                                      {11, 2026y / October / 12, Money{2000}, "", "Indigo"}};
  EXPECT_TRUE(MatchDebits(debits, twins, o).empty());
  // A receipt in dollars, charged 2 % more in euros: matched; in euros: not.
  std::vector<MatchDebit> card = {{1, 2026y / October / 12, Money{10200}, "CB HOTEL NYC"}};
  std::vector<MatchDocument> usd = {{20, 2026y / October / 10, Money{10000}, "USD", "Hotel NYC"}};
  EXPECT_EQ(MatchDebits(card, usd, o).size(), 1u);
  usd[0].currency = "EUR";
  EXPECT_TRUE(MatchDebits(card, usd, o).empty());
}

}  // namespace
}  // namespace liasse
