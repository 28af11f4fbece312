#!/usr/bin/python3
"""Reads a FEC-layout file as an importer would, independently of Liasse's
code (Python's csv module, tab-delimited, ISO 8859-15), and checks what
article A47 A-1 of the Livre des procédures fiscales asks of its layout:
the 18 columns with their names in order, dates AAAAMMJJ, amounts with a
decimal comma, each entry (EcritureNum) balanced, the whole file balanced,
entries numbered 1, 2, 3… without a gap; and lettering as an importer
reads it: each EcritureLet code on one account and auxiliary account, its
lines balanced, with a DateLet. Prints "entries N lines M debit D lettered
L" (L: how many codes) and exits 0, or names the first fault and exits 1.

  fec_check.py FILE
"""
import csv
import datetime
import sys
from decimal import Decimal

HEADER = ["JournalCode", "JournalLib", "EcritureNum", "EcritureDate", "CompteNum",
          "CompteLib", "CompAuxNum", "CompAuxLib", "PieceRef", "PieceDate", "EcritureLib",
          "Debit", "Credit", "EcritureLet", "DateLet", "ValidDate", "Montantdevise", "Idevise"]


def fail(why):
    print("fec_check: " + why)
    sys.exit(1)


def amount(text, where):
    if not text or "." in text or text.count(",") != 1 or len(text.split(",")[1]) != 2:
        fail("%s: amount %r is not like 1234,56" % (where, text))
    return Decimal(text.replace(",", "."))


def main(path):
    with open(path, encoding="iso-8859-15", newline="") as f:
        rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    if not rows or rows[0] != HEADER:
        fail("header is %r" % (rows[0] if rows else None))
    by_entry, order, letters = {}, [], {}
    total_debit = total_credit = Decimal(0)
    for n, row in enumerate(rows[1:], start=2):
        where = "line %d" % n
        if len(row) != 18:
            fail("%s: %d columns" % (where, len(row)))
        for col in (3, 9):
            try:
                datetime.datetime.strptime(row[col], "%Y%m%d")
            except ValueError:
                fail("%s: %s %r is not AAAAMMJJ" % (where, HEADER[col], row[col]))
        if not row[0] or not row[4]:
            fail("%s: no JournalCode or CompteNum" % where)
        debit, credit = amount(row[11], where), amount(row[12], where)
        if row[13]:
            try:
                datetime.datetime.strptime(row[14], "%Y%m%d")
            except ValueError:
                fail("%s: DateLet %r of EcritureLet %r is not AAAAMMJJ" % (where, row[14], row[13]))
            side = letters.setdefault(row[13], [(row[4], row[6]), Decimal(0)])
            if side[0] != (row[4], row[6]):
                fail("%s: lettering %r on %s and %s" % (where, row[13], side[0], (row[4], row[6])))
            side[1] += debit - credit
        elif row[14]:
            fail("%s: DateLet without EcritureLet" % where)
        key = row[2]
        if key not in by_entry:
            by_entry[key] = [Decimal(0), Decimal(0)]
            order.append(key)
        by_entry[key][0] += debit
        by_entry[key][1] += credit
        total_debit += debit
        total_credit += credit
    for key, (debit, credit) in by_entry.items():
        if debit != credit:
            fail("entry %s: debit %s, credit %s" % (key, debit, credit))
    if total_debit != total_credit:
        fail("file: debit %s, credit %s" % (total_debit, total_credit))
    if [int(k) for k in order] != list(range(1, len(order) + 1)):
        fail("EcritureNum is not 1, 2, 3...: %s" % order)
    for code, (account, balance) in letters.items():
        if balance != 0:
            fail("lettering %s on %s: off by %s" % (code, account, balance))
    print("entries %d lines %d debit %s lettered %d" % (len(order), len(rows) - 1, total_debit,
                                                        len(letters)))


if __name__ == "__main__":
    main(sys.argv[1])
