// The statement readers, format by format: bytes in, typed movements out.
#include "ocr/bank_statement.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "workflows/date.h"

namespace liasse {
namespace {

using namespace std::chrono;

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

TEST(StatementFileFormatTest, KnownByExtensionAndFirstBytes) {
  EXPECT_EQ(StatementFileFormat("Releve.CSV", "Date;Libellé;Montant\n").value(), "csv");
  EXPECT_EQ(StatementFileFormat("export.ofx", "OFXHEADER:100").value(), "ofx");
  EXPECT_EQ(StatementFileFormat("camt.xml", "<Document><BkToCstmrStmt>").value(), "camt053");
  EXPECT_EQ(StatementFileFormat("releve.txt", "01" + std::string(118, ' ') + "\n").value(),
            "cfonb120");
}

TEST(StatementFileFormatTest, OtherFilesAreNotStatements) {
  EXPECT_TRUE(absl::IsNotFound(StatementFileFormat("facture.xml", "<Invoice/>").status()));
  EXPECT_TRUE(absl::IsNotFound(StatementFileFormat("notes.txt", "bonjour").status()));
  EXPECT_TRUE(absl::IsNotFound(StatementFileFormat("releve.pdf", "%PDF-1.4").status()));
}

}  // namespace
}  // namespace liasse
