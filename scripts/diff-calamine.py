#!/usr/bin/env python3
"""Differential read: `catalog-etl convert` against python-calamine, cell by cell, on workbooks written here.

Every workbook is made by this script (openpyxl for ordinary ones; the zip's XML written by hand with
Python's zipfile for what writers never produce: whitespace without xml:space, inline and rich-text
strings, phonetic runs, an empty <v> in a shared-string cell, a package without _rels/.rels, namespace
prefixes, missing r attributes). The cases follow the kinds of workbooks calamine's own test suite
describes (tafia/calamine tests/test.rs) and the reader edge cases of issue 16; none of calamine's files
is used.

For each worksheet the script runs `catalog-etl convert BOOK OUT.jsonl --header-row 0 --provenance
--sheet NAME` (keys are column letters, `_row` the row number) and reads the same sheet with
python-calamine; every cell that is non-empty on either side is compared in canonical text (README,
"The canonical cell text"). A cell agrees when the texts are equal. Documented choices, counted apart:

  error-literal   an error cell: ours is its literal (#DIV/0!), python-calamine gives an empty value.
  time-of-day     a time-formatted serial below 1: python-calamine gives a time (10:10:10), ours the
                  date-time on day 0 of the workbook's date system (1900-01-00T10:10:10, or
                  1904-01-01T10:10:10); the times must agree.
  duration        an elapsed-time format ([h]:mm:ss): python-calamine gives a timedelta, ours the
                  date-time of that serial; the serials must agree to the millisecond.
  surrogate-escape  a non-BMP character written as an escaped UTF-16 surrogate pair (_xD83D__xDE00_):
                  ours is the one character, python-calamine leaves the escapes as written.
  padded-number   a number cell whose <v> has spaces around the value (` 7 `): ours is the number, as
                  XML Schema's double collapses whitespace; python-calamine gives the text with its spaces.
  calamine-refuses  python-calamine cannot open the package (no _rels/.rels, which Excel opens): our
                  cells are compared with the values the script wrote instead, and must agree.

Any other difference is undocumented: the script lists it and exits 1. It prints the agreement figure.

Usage: scripts/diff-calamine.py [--binary PATH] [--keep DIR] [--verbose]
Needs: python-calamine and openpyxl (scripts/setup installs both).
"""

import argparse
import datetime
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
MAIN_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


# --------------------------------------------------------------------------------------------------
# Hand-written packages
# --------------------------------------------------------------------------------------------------

def write_package(path, sheets, shared=None, styles=None, package_rels=True, workbook_pr="", rid_attr="r:id",
                  prefix="", shared_name="sharedStrings.xml"):
    """A workbook from hand-written XML.

    sheets: list of (name, rows_xml, state or None); rows_xml is the content of <sheetData>.
    shared: list of <si> inner XML strings, or None for no shared-strings part.
    styles: the <cellXfs> numFmtIds (with custom formats as (id, code) in a second list), or None.
    package_rels: False leaves out _rels/.rels.
    rid_attr: the attribute naming a sheet's relationship (`r:id`, or `relationships:id`).
    prefix: an element prefix bound to the spreadsheetml namespace (`x:`), for namespaced parts.
    """
    p = prefix
    decl = f'xmlns:{p[:-1]}="{NS}"' if p else f'xmlns="{NS}"'
    rid_ns = "relationships" if rid_attr.startswith("relationships:") else "r"
    parts = {}
    types = ['<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>',
             '<Default Extension="xml" ContentType="application/xml"/>',
             f'<Override PartName="/xl/workbook.xml" ContentType="{MAIN_TYPE}"/>']
    wb_rels = []
    sheet_elems = []
    for i, (name, rows_xml, state) in enumerate(sheets, 1):
        types.append(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{SHEET_TYPE}"/>')
        wb_rels.append(f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>')
        st = f' state="{state}"' if state else ""
        sheet_elems.append(f'<{p}sheet name="{name}" sheetId="{i}"{st} {rid_attr}="rId{i}"/>')
        parts[f"xl/worksheets/sheet{i}.xml"] = (
            f'{XML_HEAD}<{p}worksheet {decl} xmlns:r="{REL}"><{p}sheetData>{rows_xml}</{p}sheetData></{p}worksheet>')
    if shared is not None:
        wb_rels.append(f'<Relationship Id="rIdS" Type="{REL}/sharedStrings" Target="{shared_name}"/>')
        parts["xl/" + shared_name] = (f'{XML_HEAD}<{p}sst {decl} count="{len(shared)}" uniqueCount="{len(shared)}">'
                                      + "".join(f"<{p}si>{s}</{p}si>" for s in shared) + f"</{p}sst>")
    if styles is not None:
        ids, custom = styles
        wb_rels.append(f'<Relationship Id="rIdY" Type="{REL}/styles" Target="styles.xml"/>')
        fmts = "".join(f'<numFmt numFmtId="{i}" formatCode="{c}"/>' for i, c in custom)
        parts["xl/styles.xml"] = (f'{XML_HEAD}<styleSheet xmlns="{NS}"><numFmts count="{len(custom)}">{fmts}</numFmts>'
                                  f'<cellXfs count="{len(ids)}">' + "".join(f'<xf numFmtId="{i}"/>' for i in ids)
                                  + "</cellXfs></styleSheet>")
    parts["[Content_Types].xml"] = (f'{XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                                    + "".join(types) + "</Types>")
    if package_rels:
        parts["_rels/.rels"] = (f'{XML_HEAD}<Relationships xmlns="{PKG}"><Relationship Id="rId1" '
                                f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    rid_decl = f'xmlns:{rid_ns}="{REL}"'
    parts["xl/workbook.xml"] = (f'{XML_HEAD}<{p}workbook {decl} {rid_decl}>{workbook_pr}<{p}sheets>'
                                + "".join(sheet_elems) + f"</{p}sheets></{p}workbook>")
    parts["xl/_rels/workbook.xml.rels"] = (f'{XML_HEAD}<Relationships xmlns="{PKG}">' + "".join(wb_rels)
                                           + "</Relationships>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text.encode("utf-8"))


def col(i):
    s = ""
    n = i + 1
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def row_xml(r, cells):
    """cells: list of (column index, attrs, inner XML)."""
    return f'<row r="{r}">' + "".join(f'<c r="{col(c)}{r}"{a}>{x}</c>' for c, a, x in cells) + "</row>"


# Whitespace cases: (XML inside <si> or <is>, what Excel shows).
WHITESPACE_TEXTS = [
    ("<t>        WOODLEY</t>", "WOODLEY"),
    ("<t>  trimmed value  </t>", "trimmed value"),
    ('<t xml:space="preserve">  kept  </t>', "  kept  "),
    ('<t xml:space="default">  default  </t>', "default"),
    ("<t> \t\n</t>", ""),
    ("<t>\n\tvalue with tabs\n</t>", "value with tabs"),
    ("<t>  line1\nline2  </t>", "line1\nline2"),
    ("<t>inner  double   spaces</t>", "inner  double   spaces"),
    ("<t>&#xA;char refs&#x9;&#xD;</t>", "char refs"),
    ("<t>\u00a0nbsp kept\u00a0</t>", "\u00a0nbsp kept\u00a0"),
    ("<t>\u3000ideographic\u3000</t>", "\u3000ideographic\u3000"),
    ("<t>_x000D_escaped CR stays_x000D_</t>", "\rescaped CR stays\r"),
    ("<t> _x0020_ escaped space stays </t>", "  escaped space stays"),
    ("<t>\r\n crlf \r\n</t>", "crlf"),
    ("<r><t> a </t></r><r><t xml:space=\"preserve\"> b </t></r><r><t> c </t></r>", "a b c"),
    ("<r><rPr><b/></rPr><t>Bold</t></r><r><t xml:space=\"preserve\"> and plain </t></r>", "Bold and plain "),
    ("<r><t>  </t></r><r><t>z</t></r>", "z"),
    ("<t>  x</t><r><t> y </t></r>", "xy"),
    ("<t> 東京 </t><rPh sb=\"0\" eb=\"2\"><t> トウキョウ </t></rPh><phoneticPr fontId=\"1\"/>", "東京"),
    ("<t>課きく\u3000毛こ</t><rPh sb=\"0\" eb=\"1\"><t>カ</t></rPh>", "課きく\u3000毛こ"),
    ("<t><![CDATA[  cdata  ]]></t>", "cdata"),
    ('<t xml:space="preserve"><![CDATA[  cdata kept  ]]></t>', "  cdata kept  "),
    ("<t>&#26085;&#26399; &#26102;&#38388;</t>", "日期 时间"),
]


def case_whitespace_shared(path):
    shared = [x for x, _ in WHITESPACE_TEXTS]
    rows = [row_xml(i + 1, [(0, ' t="s"', f"<v>{i}</v>"), (1, ' t="inlineStr"', "<is><t>ref</t></is>")])
            for i in range(len(shared))]
    write_package(path, [("Shared", "".join(rows), None)], shared=shared)
    return None


def case_whitespace_inline(path):
    rows = [row_xml(i + 1, [(0, ' t="inlineStr"', f"<is>{x}</is>"), (2, "", f"<v>{i}</v>")])
            for i, (x, _) in enumerate(WHITESPACE_TEXTS)]
    # A formula's string result (t="str") lives in <v>, which no rule trims.
    rows.append(row_xml(len(rows) + 1, [(0, ' t="str"', "<f>A1</f><v>  formula string  </v>")]))
    write_package(path, [("Inline", "".join(rows), None)])
    return None


def case_empty_shared_value(path):
    shared = ["<t>first</t>", "<t>second</t>"]
    rows = [
        row_xml(1, [(0, ' t="s"', "<v>0</v>"), (1, ' t="s"', "<v></v>"), (2, ' t="s"', "<v>1</v>")]),
        row_xml(2, [(0, ' t="s"', "<v/>"), (1, ' t="s"', ""), (2, "", "<v>2</v>")]),
        row_xml(3, [(0, ' t="b"', "<v></v>"), (1, ' t="s"', "<v>1</v>")]),
    ]
    write_package(path, [("Sheet1", "".join(rows), None)], shared=shared)
    return None


def case_no_package_rels(path):
    shared = ["<t>SKU</t>", "<t>  Name  </t>", "<t>Linen Shirt</t>"]
    rows = [
        row_xml(1, [(0, ' t="s"', "<v>0</v>"), (1, ' t="s"', "<v>1</v>"), (2, ' t="inlineStr"', "<is><t>Price</t></is>")]),
        row_xml(2, [(0, ' t="inlineStr"', "<is><t>SS26-001</t></is>"), (1, ' t="s"', "<v>2</v>"), (2, "", "<v>49.9</v>")]),
    ]
    write_package(path, [("Products", "".join(rows), None)], shared=shared, package_rels=False)
    # What Excel shows (calamine refuses the package).
    return {"Products": {(1, 0): "SKU", (1, 1): "Name", (1, 2): "Price",
                         (2, 0): "SS26-001", (2, 1): "Linen Shirt", (2, 2): "49.9"}}


def case_calamine_issues(path):
    """The kinds of sheets calamine's tests read: numbers and strings (issue 2), floats, text and a
    boolean (issue 6), error literals (error_file), text with inner spaces (issue 9), special
    characters (spc_chrs), cells and rows without r (issue 261), formulas with cached values (issue 384)."""
    shared = ["<t>a</t>", "<t>b</t>", "<t>c</t>", "<t>ab</t>", "<t>test1</t>", "<t>test2 other</t>",
              "<t>test3 aaa</t>", "<t>test4</t>", "<t>&amp;</t>", "<t>&lt;</t>", "<t>&gt;</t>",
              "<t>aaa ' aaa</t>", "<t>\"</t>", "<t>☺</t>", "<t>֍</t>", "<t>àâéêèçöïî«»</t>", "<t>US</t>"]
    issue2 = "".join(row_xml(r, [(0, "", f"<v>{r}</v>"), (1, ' t="s"', f"<v>{r - 1}</v>")]) for r in (1, 2, 3))
    issue6 = (row_xml(1, [(0, "", "<v>1</v>")]) + row_xml(2, [(0, "", "<v>2</v>")])
              + row_xml(3, [(0, ' t="s"', "<v>3</v>")]) + row_xml(4, [(0, ' t="b"', "<v>0</v>")]))
    errors = "".join(row_xml(r, [(0, ' t="e"', f"<f>X()</f><v>{e}</v>")]) for r, e in enumerate(
        ["#DIV/0!", "#NAME?", "#VALUE!", "#NULL!", "#REF!", "#NUM!", "#N/A"], 1))
    issue9 = "".join(row_xml(r, [(0, ' t="s"', f"<v>{r + 3}</v>")]) for r in (1, 2, 3, 4))
    special = "".join(row_xml(r, [(0, ' t="s"', f"<v>{r + 7}</v>")]) for r in range(1, 9))
    no_r = ('<row><c t="s"><v>0</v></c><c><v>939</v></c></row><row/><row><c t="inlineStr"><is><t>after</t></is></c>'
            '<c t="b"><v>1</v></c><c r="F3"><v>6</v></c><c><v>7</v></c></row>')
    formulas = (row_xml(1, [(0, "", "<f>C1+E5</f><v>23</v>"), (2, "", "<v>23</v>")])
                + row_xml(13, [(6, "", "<f>SUM(1+1)</f><v>2</v>")])
                + row_xml(14, [(9, ' t="str"', "<f>IF(A1=\"\",\"US\",\"Foreign\")</f><v>US</v>")])
                + row_xml(15, [(0, "", "<f>A1</f>"), (1, ' t="s"', "<f>B1</f><v>16</v>")]))
    write_package(path, [("issue2", issue2, None), ("issue6", issue6, None), ("errors", errors, None),
                         ("issue9", issue9, None), ("spc_chrs", special, None), ("no_r", no_r, None),
                         ("formulas", formulas, None), ("Hidden", row_xml(1, [(0, "", "<v>1</v>")]), "hidden"),
                         ("VeryHidden", row_xml(1, [(0, "", "<v>2</v>")]), "veryHidden"),
                         ("empty", "", None)], shared=shared)
    return None


def case_namespaced(path):
    """Every spreadsheetml element with an `x:` prefix (calamine's richtext-namespaced), lines written
    as _x000D_ plus a line feed, and `relationships:id` instead of `r:id` (calamine issue 221)."""
    shared = ["<x:r><x:t>shared string</x:t></x:r><x:r><x:t xml:space=\"preserve\">_x000D_\nLine 2_x000D_\nLine 3</x:t></x:r>",
              "<x:t>Cell_A1</x:t>", "<x:t>Cell_B1</x:t>"]
    rows = (row_xml(1, [(0, ' t="inlineStr"',
                         '<x:is><x:r><x:t>inline string</x:t></x:r><x:r><x:t xml:space="preserve">_x000D_\nLine 2_x000D_\nLine 3</x:t></x:r></x:is>'),
                        (7, ' t="s"', "<x:v>0</x:v>")])
            + row_xml(2, [(0, ' t="s"', "<x:v>1</x:v>"), (1, ' t="s"', "<x:v>2</x:v>")]))
    rows = rows.replace("<row", "<x:row").replace("</row>", "</x:row>").replace("<c ", "<x:c ").replace(
        "</c>", "</x:c>")
    write_package(path, [("Sheet1", rows, None)], shared=shared, prefix="x:", rid_attr="relationships:id")
    return None


def case_dates(path, date1904=False):
    """Dates, date-times, times and durations by built-in and custom formats (calamine's date.xlsx and
    date_1904.xlsx), and ISO 8601 date cells (t="d", calamine's date_iso.xlsx)."""
    styles = ([0, 14, 22, 164, 165, 166, 21, 167], [(164, "yyyy-mm-dd hh:mm:ss"), (165, "[h]:mm:ss"),
                                                    (166, "dd/mm/yyyy"), (167, "0.00&quot;d&quot;")])
    base = 42735 if date1904 else 44197
    rows = "".join([
        row_xml(1, [(0, ' s="1"', f"<v>{base}</v>"), (1, ' s="5"', f"<v>{base + 45}</v>"), (2, ' s="7"', "<v>2.5</v>")]),
        row_xml(2, [(0, ' s="3"', f"<v>{base}.42372685185</v>"), (1, ' s="2"', f"<v>{base}.5</v>")]),
        row_xml(3, [(0, ' s="4"', "<v>10.6320601851852</v>"), (1, ' s="6"', "<v>0.42372685185185184</v>")]),
        row_xml(4, [(0, ' t="d"', "<v>2021-01-01</v>"), (1, ' t="d"', "<v>2021-01-01T10:10:10</v>"),
                    (2, ' t="d"', "<v>10:10:10</v>")]),
        row_xml(5, [(0, ' s="1"', "<v>61</v>"), (1, ' s="1"', "<v>1000</v>"), (2, ' s="1"', "<v>2958465</v>")]),
    ])
    write_package(path, [("Dates", rows, None)], styles=styles,
                  workbook_pr='<workbookPr date1904="1"/>' if date1904 else "")
    return None


def case_numbers(path):
    values = ["42", "-1.5E-3", "1E-05", "0.0001", "19.99", "0.30000000000000004", "1e15", "1.5e15", "1e16",
              "123456789012345678", "1e21", "1e22", "-0", "3.14159", "-273.15", "+8", "4.2E+2",
              "9007199254740993", "2.2250738585072014E-308", "1.7976931348623157E308"]
    rows = "".join(row_xml(i + 1, [(0, "", f"<v>{v}</v>"), (1, ' t="n"', f"<v>{v}</v>")])
                   for i, v in enumerate(values))
    rows += row_xml(len(values) + 1, [(0, ' t="b"', "<v>1</v>"), (1, ' t="b"', "<v>0</v>")])
    write_package(path, [("Numbers", rows, None)])
    return None


def case_padded_number(path):
    """A number cell written with spaces around its value (XML Schema's double allows them)."""
    rows = row_xml(1, [(0, "", "<v> 7 </v>"), (1, "", "<v>8</v>"), (2, "", "<v>\n-2.5\t</v>")])
    write_package(path, [("Sheet1", rows, None)])
    return None


def case_escapes(path):
    shared = ["<t>line_x000D_break _x005F_x0041_ _xD83D__xDE00_ tab_x0009_end</t>", "<t>_x0041__x0042_</t>",
              "<t>not_an_escape _x00G1_ _x41_</t>", "<t>a&lt;b &amp; c &quot;q&quot; &apos;s&apos;</t>",
              "<t>emoji 😀 and é</t>"]
    rows = "".join(row_xml(i + 1, [(0, ' t="s"', f"<v>{i}</v>")]) for i in range(len(shared)))
    write_package(path, [("Escapes", rows, None)], shared=shared, shared_name="SharedStrings.xml")
    return None


def case_openpyxl(path):
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Catalog"
    ws.append(["id", "SKU", "Style Name", "Price", "Year", "In Store Date", "Launch", "Active", "Notes"])
    rows = [
        [1, "SS26-001", "Linen Shirt", 49.9, 2026, datetime.date(2026, 3, 1), datetime.datetime(2026, 3, 1, 9, 30),
         True, "  padded note  "],
        [2, "SS26-002", "Silk Dress", 129, 2026, datetime.date(2026, 4, 15), datetime.datetime(2026, 4, 15, 0, 0),
         False, "Écru\nsecond line"],
        [3, "SS26-003", "Wrap Skirt", -59.5, 2025, None, None, None, "tab\tinside"],
        [4, "00123", "Café au lait", 1234567.891, 1999, datetime.date(1999, 12, 31), datetime.datetime(1999, 12, 31, 23, 59, 59),
         True, "=not a formula"],
    ]
    for r in rows:
        ws.append(r)
    ws["J2"] = "=D2*2"  # openpyxl stores no cached value: both readers see an empty cell
    ws["A7"] = "  leading only"
    ws["B7"] = "trailing only  "
    ws["C7"] = 0.1
    ws["D7"] = 1e-7
    other = wb.create_sheet("Second")
    other.append(["ünïcödé", "日本語", "emoji 😀"])
    other.merge_cells("A3:C3")
    other["A3"] = "merged"
    wb.save(path)
    return None


CASES = [
    ("whitespace-shared", case_whitespace_shared),
    ("whitespace-inline", case_whitespace_inline),
    ("empty-shared-value", case_empty_shared_value),
    ("no-package-rels", case_no_package_rels),
    ("calamine-issues", case_calamine_issues),
    ("namespaced", case_namespaced),
    ("dates-1900", lambda p: case_dates(p, False)),
    ("dates-1904", lambda p: case_dates(p, True)),
    ("numbers", case_numbers),
    ("padded-number", case_padded_number),
    ("escapes", case_escapes),
    ("openpyxl-catalog", case_openpyxl),
]


# --------------------------------------------------------------------------------------------------
# Canonical text
# --------------------------------------------------------------------------------------------------

def swift_double_description(d):
    """Swift's Double.description: the shortest round-tripping digits, in positional form when the
    decimal exponent is between -4 and 15, else in exponential form (`1e-05`, `1e+16`)."""
    if math.isnan(d):
        return "nan"
    if math.isinf(d):
        return "inf" if d > 0 else "-inf"
    r = repr(d)  # Python's repr holds the same shortest digits
    sign = "-" if r.startswith("-") else ""
    r = r.lstrip("-")
    if "e" in r:
        mant, exp = r.split("e")
        exp = int(exp)
    else:
        mant, exp = r, 0
    if "." in mant:
        ip, fp = mant.split(".")
    else:
        ip, fp = mant, ""
    digits = (ip + fp).lstrip("0")
    point = len(ip) + exp  # position of the decimal point relative to the digit string ip+fp
    lead_zeros = len(ip + fp) - len((ip + fp).lstrip("0"))
    point -= lead_zeros
    digits = digits.rstrip("0") or "0"
    e10 = point - 1  # scientific exponent
    if -4 <= e10 < 16:
        if point <= 0:
            s = "0." + "0" * (-point) + digits
        elif point >= len(digits):
            s = digits + "0" * (point - len(digits)) + ".0"
        else:
            s = digits[:point] + "." + digits[point:]
    else:
        s = digits[0] + ("." + digits[1:] if len(digits) > 1 else "") + "e" + ("-" if e10 < 0 else "+") + (
            "%02d" % abs(e10))
    return sign + s


def canonical_number(d):
    if math.isfinite(d) and d == math.trunc(d) and abs(d) < 1e15:
        return str(int(d))
    return swift_double_description(d)


def canonical_time(t):
    s = f"{t.hour:02d}:{t.minute:02d}:{t.second:02d}"
    ms = round(t.microsecond / 1000)
    return s + (f".{ms:03d}" if ms else "")


def canonical_calamine(v):
    """python-calamine's value → canonical text, or a (kind, value) pair for the documented choices."""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, (int, float)):
        return canonical_number(float(v))
    if isinstance(v, datetime.datetime):
        if v.hour == v.minute == v.second == v.microsecond == 0:
            return v.date().isoformat()
        return v.date().isoformat() + "T" + canonical_time(v.time())
    if isinstance(v, datetime.date):
        return v.isoformat()
    if isinstance(v, datetime.time):
        return ("time", v)
    if isinstance(v, datetime.timedelta):
        return ("duration", v)
    return str(v)


def serial_of(text, date1904):
    """The serial number of our ISO date-time text (1900 system with its phantom 1900-02-29, or 1904)."""
    date, _, time = text.partition("T")
    y, m, d = (int(x) for x in date.split("-"))
    secs = 0.0
    if time:
        hh, mm, ss = time.split(":")
        secs = int(hh) * 3600 + int(mm) * 60 + float(ss)
    if date1904:
        days = (datetime.date(y, m, d) - datetime.date(1904, 1, 1)).days
    elif (y, m) == (1900, 1) and d == 0:
        days = 0
    elif (y, m, d) == (1900, 2, 29):
        days = 60
    else:
        days = (datetime.date(y, m, d) - datetime.date(1899, 12, 31)).days
        if days >= 60:
            days += 1
    return days + secs / 86400


# --------------------------------------------------------------------------------------------------
# Reading both ways
# --------------------------------------------------------------------------------------------------

def ours(binary, book, sheet, out_dir):
    out = os.path.join(out_dir, f"{os.path.basename(book)}-{sheet}.jsonl")
    proc = subprocess.run([binary, "convert", book, out, "--header-row", "0", "--provenance", "--sheet", sheet],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        return None, proc.stderr.strip()
    cells = {}
    with open(out, encoding="utf-8") as f:
        for line in f:
            obj = json.loads(line)
            row = obj.pop("_row")
            obj.pop("_file", None)
            obj.pop("_sheet", None)
            for letter, text in obj.items():
                if text != "":
                    cells[(row, letter_index(letter))] = text
    return cells, proc.stderr.strip()


def letter_index(letters):
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def calamine(book):
    from python_calamine import CalamineWorkbook
    wb = CalamineWorkbook.from_path(book)
    out = {}
    for name in wb.sheet_names:
        sheet = wb.get_sheet_by_name(name)
        cells = {}
        for r, row in enumerate(sheet.to_python(skip_empty_area=False), 1):
            for c, v in enumerate(row):
                if v != "" and v is not None:
                    cells[(r, c)] = canonical_calamine(v)
        out[name] = cells
    return out


def worksheet_names(book):
    """The sheet names in workbook order (read from the workbook part, so it works without _rels/.rels)."""
    import re
    with zipfile.ZipFile(book) as z:
        names = [n for n in z.namelist() if n.lower() == "xl/workbook.xml"]
        text = z.read(names[0]).decode("utf-8")
    return [m.group(1) for m in re.finditer(r'<(?:\w+:)?sheet [^>]*?name="([^"]*)"', text)]


def compare(case, sheet, mine, theirs, date1904, counts, problems, verbose):
    for key in sorted(set(mine) | set(theirs)):
        a = mine.get(key, "")
        b = theirs.get(key, "")
        where = f"{case}[{sheet}]!{col(key[1])}{key[0]}"
        counts["cells"] += 1
        if isinstance(b, tuple):
            kind, v = b
            if kind == "time" and a == canonical_time(v):
                counts["agree"] += 1
                continue
            day0 = "1904-01-01T" if date1904 else "1900-01-00T"
            if kind == "time" and a.startswith(day0) and a[11:] == canonical_time(v):
                counts["documented"]["time-of-day"] += 1
                continue
            if kind == "duration":
                try:
                    if abs(serial_of(a, date1904) - v.total_seconds() / 86400) <= 0.001 / 86400:
                        counts["documented"]["duration"] += 1
                        continue
                except ValueError:
                    pass
            problems.append(f"{where}: ours {a!r}, calamine {kind} {v!r}")
            continue
        if a == b:
            counts["agree"] += 1
            if verbose:
                print(f"  ok {where}: {a!r}")
            continue
        if b == "" and a.startswith("#") and (a.endswith("!") or a.endswith("?") or a == "#N/A"):
            counts["documented"]["error-literal"] += 1
            continue
        if b != b.strip() and is_number(b.strip()) and is_number(a) and float(a) == float(b.strip()):
            counts["documented"]["padded-number"] += 1
            continue
        if "_xd8" in b.lower() and a == decode_surrogate_escapes(b):
            counts["documented"]["surrogate-escape"] += 1
            continue
        problems.append(f"{where}: ours {a!r}, calamine {b!r}")


def is_number(text):
    try:
        float(text)
        return True
    except ValueError:
        return False


def decode_surrogate_escapes(text):
    """`text` with each escaped UTF-16 surrogate pair (`_xD83D__xDE00_`) made one character."""
    import re

    def pair(m):
        hi, lo = int(m.group(1), 16), int(m.group(2), 16)
        return chr(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
    return re.sub(r"_x(D[89AB][0-9A-F]{2})__x(D[C-F][0-9A-F]{2})_", pair, text, flags=re.IGNORECASE)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", help="catalog-etl to run (default: the debug build)")
    ap.add_argument("--keep", help="write the workbooks and outputs here and keep them")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    binary = args.binary or os.path.join(ROOT, ".build", "debug", "catalog-etl")
    if not os.path.exists(binary):
        sys.exit(f"diff-calamine: {binary} does not exist; build first (swift build) or pass --binary")
    work = args.keep or tempfile.mkdtemp(prefix="diff-calamine-")
    os.makedirs(work, exist_ok=True)
    counts = {"cells": 0, "agree": 0,
              "documented": {"error-literal": 0, "time-of-day": 0, "duration": 0, "surrogate-escape": 0,
                             "padded-number": 0, "calamine-refuses": 0}}
    problems = []
    try:
        for name, make in CASES:
            book = os.path.join(work, name + ".xlsx")
            expected = make(book)
            try:
                theirs = calamine(book)
                refused = None
            except Exception as e:  # noqa: BLE001 - any refusal is reported the same way
                theirs, refused = None, str(e)
            if refused and expected is None:
                problems.append(f"{name}: python-calamine refuses it ({refused}), and the script wrote no expected values")
                continue
            date1904 = name.endswith("1904")
            for sheet in worksheet_names(book):
                mine, stderr = ours(binary, book, sheet, work)
                if mine is None:
                    problems.append(f"{name}[{sheet}]: catalog-etl failed: {stderr}")
                    continue
                if refused:
                    before = counts["agree"]
                    compare(name, sheet, mine, expected.get(sheet, {}), date1904, counts, problems, args.verbose)
                    moved = counts["agree"] - before
                    counts["agree"] -= moved
                    counts["documented"]["calamine-refuses"] += moved
                    if "warning" not in stderr:
                        problems.append(f"{name}[{sheet}]: read without the warning a damaged package deserves")
                else:
                    compare(name, sheet, mine, theirs.get(sheet, {}), date1904, counts, problems, args.verbose)
            if args.verbose:
                print(f"{name}: done")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    documented = sum(counts["documented"].values())
    total = counts["cells"]
    agree = counts["agree"]
    print(f"diff-calamine: {len(CASES)} workbooks, {total} non-empty cells compared with python-calamine")
    print(f"  identical canonical text: {agree}/{total} ({100.0 * agree / max(total, 1):.2f}%)")
    print(f"  documented choices: {documented} (" + ", ".join(f"{k} {v}" for k, v in counts["documented"].items())
          + ")")
    print(f"  agreement including documented choices: {100.0 * (agree + documented) / max(total, 1):.2f}%")
    if problems:
        print(f"  undocumented disagreements: {len(problems)}")
        for p in problems:
            print("    " + p)
        sys.exit(1)
    print("  undocumented disagreements: 0")


if __name__ == "__main__":
    main()
