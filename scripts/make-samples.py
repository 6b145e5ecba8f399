#!/usr/bin/env python3
"""Writes the sample SS26 womenswear catalog in samples/ as XLSX (openpyxl), CSV and JSON Lines.

Deterministic: a seeded random generator, fixed document properties and fixed zip timestamps, so
running it again gives byte-identical files. It plants the mess real catalogs have in documented,
countable amounts, prints the counts, and writes the same list to samples/README.md.

Usage: scripts/make-samples.py [--out samples]   (needs `pip install openpyxl`)
"""

import argparse
import csv
import datetime as dt
import io
import json
import os
import random
import re
import sys
import zipfile

try:
    import openpyxl
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
except ImportError:  # pragma: no cover
    sys.exit("make-samples: openpyxl is missing; run `pip install openpyxl`")

SEED = 2026
ROWS = 320
BRAND = "Maison Aurel"
COLLECTION = "SS26 Riviera"
SEASON = "SS26"
CDN = "https://cdn.maison-aurel.example/ss26"
SARTIQ_DESCRIPTION_LIMIT = 3000  # code points (Sartiq ProductCreate.description maxLength)

COLUMNS = [
    "SKU", "Style Code", "Style Name", "Brand", "Gender", "Age Group", "Category", "Colour",
    "Pattern", "Materials", "Fit", "Sleeve", "Neckline", "Season", "Theme", "Collection",
    "In Store Date", "Description", "Ecommerce Description", "Cover Image", "Back Image", "Gallery",
    "Price", "Year",
]

# category: (code, items, sleeves, necklines, materials, price range)
CATEGORIES = {
    "Dresses": ("DR", ["Midi Dress", "Maxi Dress", "Slip Dress", "Shirt Dress", "Wrap Dress", "Sundress",
                       "Tiered Dress", "Mini Dress"],
                ["Sleeveless", "Short Sleeve", "Puff Sleeve", "Long Sleeve", "Cap Sleeve", "Strappy"],
                ["V-Neck", "Square Neck", "Halter", "Sweetheart", "Round Neck", "Shirt Collar"],
                ["100% Linen", "100% Viscose", "100% Silk", "55% Linen, 45% Cotton", "100% Organic Cotton",
                 "70% Viscose, 30% Linen"], (89, 329)),
    "Blouses": ("BL", ["Blouse", "Peasant Blouse", "Pussy-Bow Blouse", "Camisole", "Ruffle Blouse"],
                ["Short Sleeve", "Long Sleeve", "Puff Sleeve", "3/4 Sleeve", "Sleeveless", "Flutter Sleeve"],
                ["V-Neck", "Round Neck", "Tie Neck", "Square Neck", "Boat Neck"],
                ["100% Silk", "100% Viscose", "100% Cotton Voile", "100% Lyocell"], (59, 189)),
    "Shirts": ("SH", ["Poplin Shirt", "Linen Shirt", "Oversized Shirt", "Cropped Shirt", "Camp Shirt"],
               ["Long Sleeve", "Short Sleeve", "Rolled Sleeve"],
               ["Shirt Collar", "Camp Collar", "Grandad Collar"],
               ["100% Cotton", "100% Linen", "100% Organic Cotton", "60% Cotton, 40% Linen"], (59, 159)),
    "Tops": ("TP", ["Tank Top", "Ribbed Tee", "Bardot Top", "Crop Top", "Linen Tee"],
             ["Sleeveless", "Short Sleeve", "Cap Sleeve", "Off-Shoulder"],
             ["Round Neck", "Scoop Neck", "V-Neck", "Bardot"],
             ["100% Organic Cotton", "95% Cotton, 5% Elastane", "100% Linen", "92% Lyocell, 8% Elastane"],
             (25, 79)),
    "Trousers": ("TR", ["Wide-Leg Trousers", "Tailored Trousers", "Palazzo Trousers", "Cigarette Trousers",
                        "Drawstring Trousers", "Culottes"],
                 [""], [""],
                 ["100% Linen", "98% Cotton, 2% Elastane", "100% Viscose", "64% Polyester, 32% Viscose, 4% Elastane"],
                 (69, 199)),
    "Shorts": ("SO", ["Linen Shorts", "Tailored Shorts", "Paperbag Shorts", "Bermuda Shorts"],
               [""], [""], ["100% Linen", "100% Cotton", "55% Linen, 45% Cotton"], (45, 99)),
    "Skirts": ("SK", ["Midi Skirt", "Pleated Skirt", "Wrap Skirt", "Slip Skirt", "Mini Skirt", "Maxi Skirt"],
               [""], [""], ["100% Viscose", "100% Silk", "100% Linen", "100% Polyester (recycled)"], (59, 199)),
    "Knitwear": ("KN", ["Cardigan", "Cotton Jumper", "Knitted Vest", "Crochet Top", "Fine-Knit Polo"],
                 ["Long Sleeve", "Short Sleeve", "Sleeveless", "3/4 Sleeve"],
                 ["V-Neck", "Crew Neck", "Polo Collar", "Boat Neck"],
                 ["100% Cotton", "70% Cotton, 30% Linen", "100% Organic Cotton", "50% Silk, 50% Cotton"], (79, 249)),
    "Outerwear": ("OW", ["Trench Coat", "Linen Blazer", "Cropped Jacket", "Denim Jacket", "Kimono Jacket",
                         "Utility Jacket"],
                  ["Long Sleeve", "3/4 Sleeve"], ["Notch Lapel", "Collarless", "Shirt Collar", "Shawl Collar"],
                  ["100% Cotton", "100% Linen", "65% Polyester, 35% Cotton", "100% Cotton Denim"], (129, 389)),
    "Jumpsuits": ("JS", ["Jumpsuit", "Playsuit", "Boiler Suit"],
                  ["Sleeveless", "Short Sleeve", "Strappy"], ["V-Neck", "Halter", "Square Neck"],
                  ["100% Linen", "100% Viscose", "100% Lyocell"], (89, 229)),
    "Swimwear": ("SW", ["Swimsuit", "Bikini Top", "Bikini Brief", "Cut-Out Swimsuit", "Kaftan"],
                 ["Sleeveless", "Strappy"], ["Scoop Neck", "Halter", "Bandeau", "V-Neck"],
                 ["80% Recycled Polyamide, 20% Elastane", "78% Polyamide, 22% Elastane"], (39, 149)),
    "Accessories": ("AC", ["Straw Tote", "Silk Scarf", "Bucket Hat", "Canvas Belt", "Beach Towel"],
                    [""], [""], ["100% Paper Straw", "100% Silk", "100% Cotton", "100% Leather"], (29, 149)),
}
CATEGORY_WEIGHTS = {"Dresses": 70, "Blouses": 32, "Shirts": 24, "Tops": 28, "Trousers": 30, "Shorts": 12,
                    "Skirts": 28, "Knitwear": 26, "Outerwear": 24, "Jumpsuits": 14, "Swimwear": 22,
                    "Accessories": 10}
ADJECTIVES = ["Riviera", "Portofino", "Amalfi", "Capri", "Saint-Tropez", "Menton", "Antibes", "Positano",
              "Sorrento", "Cannes", "Nice", "Monaco", "Ligurian", "Azure", "Sunlit", "Seaside", "Lagoon",
              "Garden", "Terrace", "Harbour", "Lido", "Corniche", "Promenade", "Esterel"]
FABRIC_WORDS = ["Linen", "Poplin", "Satin", "Crepe", "Seersucker", "Broderie", "Jersey", "Gauze", "Voile",
                "Ribbed", "Crinkle", "Jacquard"]
COLOURS = [("Ivory", "IVR"), ("Black", "BLK"), ("Navy", "NVY"), ("Sand", "SND"), ("Terracotta", "TRC"),
           ("Sage Green", "SGE"), ("Sky Blue", "SKY"), ("Dusty Rose", "DRS"), ("Lemon", "LMN"),
           ("Coral", "CRL"), ("Olive", "OLV"), ("White", "WHT"), ("Stone", "STN"), ("Cobalt", "CBT"),
           ("Crème", "CRM"), ("Écru", "ECR"), ("Blue/White Stripe", "BWS"), ("Multi", "MLT")]
PATTERNS = ["Solid"] * 8 + ["Stripe", "Floral", "Gingham", "Polka Dot", "Paisley", "Abstract", "Broderie"]
FITS = ["Regular", "Relaxed", "Slim", "Oversized", "Tailored"]
THEMES = ["Riviera Summer", "Coastal Linen", "Garden Party", "Midnight Resort", "Harbour Stripes"]
DROPS = [dt.date(2026, 2, 1), dt.date(2026, 3, 1), dt.date(2026, 3, 15), dt.date(2026, 4, 1),
         dt.date(2026, 4, 15), dt.date(2026, 5, 1)]
PRICE_ENDINGS = [0.95, 0.99, 0.45, 0.75, 0.49, 0.95]

SENTENCES = [
    "Cut from {material_l}, it drapes softly and breathes on the warmest days of the season.",
    "The {fit_l} fit sits easily on the body and moves with you from the terrace to the shore.",
    "Finished with {detail}, it is a piece that carries the ease of the {theme} story.",
    "Designed in our Paris studio and made in small runs by partners we have worked with for years.",
    "Pair it with flat sandals and a straw tote by day, or a slim heel and gold jewellery at night.",
    "The {colour_l} colour was dyed to echo the {place} coastline in late June light.",
    "Every seam is finished cleanly inside, so it looks as good on the hanger as it does on you.",
    "Wash cool, dry in the shade and press lightly while still slightly damp.",
    "Part of {collection}, a capsule built around light fabrics and relaxed tailoring.",
    "Our model is 178 cm tall and wears a size 36.",
]
DETAILS = ["mother-of-pearl buttons", "a self-tie belt", "hand-finished edges", "tonal topstitching",
           "a covered placket", "delicate pintucks", "scalloped hems", "side-seam pockets", "a soft smocked back"]
PLACES = ["Antibes", "Amalfi", "Capri", "Portofino", "Menton", "Saint-Tropez"]
CARE_PARAGRAPH = (
    "Composition and care: please read the care label before the first wash. Natural fibres can vary "
    "slightly in colour and texture from one piece to the next; this is part of their character and not "
    "a fault. Wash at 30 °C on a gentle cycle with similar colours, do not tumble dry, do not bleach, "
    "iron on a low setting on the reverse, and dry-clean only with a professional cleaner who knows "
    "delicate fabrics. Store folded away from direct sunlight. "
)
SUSTAINABILITY_PARAGRAPH = (
    "Our commitment: the fibres in this piece are traceable to the farm or the mill, the dye houses we work "
    "with recycle their water, and the swing tags are printed on recycled board. We publish the names of our "
    "tier-one and tier-two suppliers every season, and we repair any Maison Aurel piece free of charge for "
    "the first two years. "
)


def slug(s):
    return s


def make_description(rng, ctx):
    n = rng.randint(3, 6)
    picks = rng.sample(SENTENCES, n)
    return " ".join(p.format(**ctx) for p in picks)


def long_description(rng, ctx, target):
    """A description of exactly `target` code points (over Sartiq's 3,000 limit when target > 3000)."""
    text = " ".join(s.format(**ctx) for s in SENTENCES) + " "
    while len(text) < target:
        text += CARE_PARAGRAPH + SUSTAINABILITY_PARAGRAPH
    text = text[:target]
    text = text[:-1].rstrip() + "."
    while len(text) < target:
        text = text[:-1] + " ."
    assert len(text) == target, (len(text), target)
    return text


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "samples"))
    args = ap.parse_args()
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    rng = random.Random(SEED)

    # --- choose the rows that carry each planted problem (disjoint for the structural ones) ---
    idx = list(range(ROWS))
    special = rng.sample(idx[5:], 20)  # never the first rows, so `inspect --rows 5` shows clean data
    long_desc_rows = sorted(special[0:4])
    dup_sku_row = special[4]           # this row repeats the SKU of dup_source_row
    no_cover_rows = sorted(special[5:8])
    empty_name_rows = sorted(special[8:10])
    missing_image_rows = sorted(special[10:13])
    comma_price_rows = sorted(special[13:15])
    cjk_row = special[15]
    formula_like_rows = sorted(special[16:18])
    exact_limit_row = special[18]      # description of exactly 3,000 code points (valid, at the limit)
    no_back_rows = sorted(special[19:20] + rng.sample([i for i in idx if i not in special], 5))
    dup_source_row = rng.choice([i for i in idx[:dup_sku_row] if i not in special])
    long_targets = dict(zip(long_desc_rows, [3001, 3180, 3644, 4920]))

    # gender: exact counts, shuffled
    genders = ["W"] * 128 + ["Women"] * 96 + ["F"] * 48 + ["Female"] * 39 + ["U"] * 6 + ["M"] * 3
    assert len(genders) == ROWS
    rng.shuffle(genders)

    plain = [i for i in idx if i not in empty_name_rows and i != cjk_row]
    ws_pool = rng.sample(plain, 13)
    name_trailing = sorted(ws_pool[0:6])
    name_leading = sorted(ws_pool[6:9])
    name_double = sorted(ws_pool[9:13])
    flag_name_rows = sorted(rng.sample([i for i in plain if i not in ws_pool], 2))
    flag_desc_rows = sorted(rng.sample([i for i in idx if i not in long_desc_rows and i != exact_limit_row], 3))
    colour_pool = rng.sample(idx, 7)
    colour_trailing = sorted(colour_pool[0:5])
    colour_double = sorted(colour_pool[5:7])
    text_date_rows = sorted(rng.sample(idx, 16))

    # names with ü, ø and é (a separate generator, so the rows chosen above stay as they were)
    extra = random.Random(SEED + 1)
    accent_pool = extra.sample([i for i in plain if i not in ws_pool and i not in flag_name_rows], 6)
    tull_rows, plisse_rows, soren_rows = sorted(accent_pool[0:2]), sorted(accent_pool[2:4]), sorted(accent_pool[4:6])

    cats = []
    for c, w in CATEGORY_WEIGHTS.items():
        cats += [c] * w
    assert len(cats) == ROWS
    rng.shuffle(cats)
    # men's and unisex rows get categories that make sense for them
    for i, g in enumerate(genders):
        if g == "M":
            cats[i] = rng.choice(["Shirts", "Shorts"])
        elif g == "U":
            cats[i] = "Accessories"
    if genders[cjk_row] not in ("M", "U"):
        cats[cjk_row] = "Outerwear"

    counters = {}
    rows = []
    for i in range(ROWS):
        cat = cats[i]
        code, items, sleeves, necks, materials, (plo, phi) = CATEGORIES[cat]
        counters[code] = counters.get(code, 0) + 1
        style_code = f"SS26-{code}-{counters[code]:03d}"
        colour, ccode = rng.choice(COLOURS)
        item = rng.choice(items)
        if cat == "Outerwear" and i == cjk_row:
            item = "Kimono Jacket"
        name = f"{rng.choice(ADJECTIVES)} {rng.choice(FABRIC_WORDS)} {item}"
        material = rng.choice(materials)
        fit = rng.choice(FITS) if cat != "Accessories" else ""
        theme = rng.choice(THEMES)
        pattern = rng.choice(PATTERNS)
        ctx = {"material_l": material.lower(), "fit_l": (fit or "easy").lower(), "detail": rng.choice(DETAILS),
               "theme": theme, "colour_l": colour.lower(), "place": rng.choice(PLACES), "collection": COLLECTION}
        sku = f"MA26-{code}{counters[code]:03d}-{ccode}"
        price = rng.randint(plo, phi) + rng.choice(PRICE_ENDINGS)
        price = round(price, 2)
        date = rng.choice(DROPS)

        # planted problems
        if i in tull_rows:
            name = name.replace(name.split(" ")[1], "Tüll", 1)
        if i in plisse_rows:
            name = name.replace(name.split(" ")[1], "Plissé", 1)
        if i in soren_rows:
            name = "Søren " + name.split(" ", 1)[1]
        if i == cjk_row:
            name = "桜 Sakura Jacquard Kimono Jacket"
        if i in flag_name_rows:
            name = name + (" 🇫🇷" if i == flag_name_rows[0] else " 🇮🇹")
        if i in name_trailing:
            name = name + ("  " if i == name_trailing[0] else " ")
        if i in name_leading:
            name = " " + name
        if i in name_double:
            parts = name.split(" ", 1)
            name = parts[0] + "  " + parts[1]
        if i in empty_name_rows:
            name = ""
        if i in colour_trailing:
            colour = colour + " "
        if i in colour_double and " " in colour.strip():
            colour = colour.replace(" ", "  ", 1)
        elif i in colour_double:
            colour = "Dusty  Rose"

        if i in long_targets:
            desc = long_description(rng, ctx, long_targets[i])
        elif i == exact_limit_row:
            desc = long_description(rng, ctx, SARTIQ_DESCRIPTION_LIMIT)
        else:
            desc = make_description(rng, ctx)
            if i == cjk_row:
                desc = "A kimono jacket in cherry-blossom (桜) jacquard, woven in Kyoto. " + desc
            if i in flag_desc_rows:
                desc = desc + " Made in Italy 🇮🇹" if i != flag_desc_rows[1] else desc + " Made in Portugal 🇵🇹"
        ecom = f"{name.strip() or item}: {rng.choice(DETAILS)}, {fit.lower() or 'one-size'} fit, {material}."
        if i in formula_like_rows:
            ecom = ("- " if i == formula_like_rows[0] else "+ ") + ecom.replace(": ", " with ", 1)

        base = f"{CDN}/{style_code}"
        cover = f"{base}/cover.jpg"
        if i in missing_image_rows:
            cover = f"{CDN}/missing/{style_code}/cover.jpg"
        if i in no_cover_rows:
            cover = ""
        back = "" if i in no_back_rows else f"{base}/back.jpg"
        gallery = "|".join(f"{base}/gallery-{k}.jpg" for k in range(1, rng.randint(2, 5) + 1))

        rows.append({
            "SKU": sku, "Style Code": style_code, "Style Name": name, "Brand": BRAND, "Gender": genders[i],
            "Age Group": "Adult", "Category": cat, "Colour": colour, "Pattern": pattern, "Materials": material,
            "Fit": fit, "Sleeve": rng.choice(sleeves), "Neckline": rng.choice(necks), "Season": SEASON,
            "Theme": theme, "Collection": COLLECTION,
            "In Store Date": date.strftime("%d/%m/%Y") if i in text_date_rows else date,
            "Description": desc, "Ecommerce Description": ecom, "Cover Image": cover, "Back Image": back,
            "Gallery": gallery,
            "Price": (f"{price:.2f}".replace(".", ",") if i in comma_price_rows else price),
            "Year": 2026,
        })
    rows[dup_sku_row]["SKU"] = rows[dup_source_row]["SKU"]

    for r in rows:
        if isinstance(r["Price"], float):
            assert re.fullmatch(r"\d+\.\d\d", repr(r["Price"])), r["Price"]
    skus = [r["SKU"] for r in rows]
    assert len(set(skus)) == ROWS - 1

    write_xlsx(os.path.join(out, "ss26-womenswear.xlsx"), rows)
    write_csv(os.path.join(out, "ss26-womenswear.csv"), rows)
    write_jsonl(os.path.join(out, "ss26-womenswear.jsonl"), rows)

    def r(i):  # spreadsheet row number and SKU
        return f"row {i + 2} ({rows[i]['SKU']})"

    def rl(lst):
        return ", ".join(r(i) for i in lst)

    from collections import Counter
    gc = Counter(genders)
    desc_lens = {i: len(rows[i]["Description"]) for i in long_desc_rows}
    over = [i for i in idx if len(rows[i]["Description"]) > SARTIQ_DESCRIPTION_LIMIT]
    assert over == long_desc_rows
    mess = [
        ("rows", f"{ROWS} data rows (spreadsheet rows 2-{ROWS + 1}), {ROWS} distinct style codes"),
        ("gender values", ", ".join(f'"{k}" x{gc[k]}' for k in ["W", "Women", "F", "Female", "U", "M"])
         + f"; U rows: {rl([i for i in idx if genders[i] == 'U'])}; M rows: {rl([i for i in idx if genders[i] == 'M'])}"),
        ("duplicated SKU", f'exactly 1: "{rows[dup_sku_row]["SKU"]}" on {r(dup_source_row).split(" (")[0]} and '
         f'{r(dup_sku_row).split(" (")[0]} (different styles {rows[dup_source_row]["Style Code"]} and '
         f'{rows[dup_sku_row]["Style Code"]})'),
        ("empty Style Name", f"exactly {len(empty_name_rows)}: {rl(empty_name_rows)}"),
        ("no Cover Image", f"exactly {len(no_cover_rows)}: {rl(no_cover_rows)}"),
        ("Cover Image under /missing/ (sandbox answers 404)", f"exactly {len(missing_image_rows)}: {rl(missing_image_rows)}"),
        ("no Back Image", f"{len(no_back_rows)}: {rl(no_back_rows)}"),
        ("Description over 3,000 code points", f"exactly {len(long_desc_rows)}: "
         + ", ".join(f"{r(i)} = {desc_lens[i]}" for i in long_desc_rows)
         + " code points (they contain \"°\", so their UTF-8 byte counts are higher: "
         + ", ".join(str(len(rows[i]["Description"].encode())) for i in long_desc_rows) + ")"),
        ("Description of exactly 3,000 code points (valid, at the limit)", r(exact_limit_row)),
        ("Style Name with trailing spaces", f"{len(name_trailing)}: {rl(name_trailing)} (the first has two)"),
        ("Style Name with a leading space", f"{len(name_leading)}: {rl(name_leading)}"),
        ("Style Name with a doubled inner space", f"{len(name_double)}: {rl(name_double)}"),
        ("Colour with a trailing space", f"{len(colour_trailing)}: {rl(colour_trailing)}"),
        ("Colour with a doubled inner space", f"{len(colour_double)}: {rl(colour_double)}"),
        ("In Store Date as dd/MM/yyyy text", f"{len(text_date_rows)}: {rl(text_date_rows)}; the other "
         f"{ROWS - len(text_date_rows)} are real Excel dates (format dd/mm/yyyy) in the XLSX, ISO text in CSV/JSONL"),
        ("Price as text with a decimal comma", f"{len(comma_price_rows)}: "
         + ", ".join(f'{r(i)} = "{rows[i]["Price"]}"' for i in comma_price_rows)
         + "; all other prices are numbers with two decimals (x.45/.49/.75/.95/.99)"),
        ("flag emoji in Style Name", f"{len(flag_name_rows)}: {rl(flag_name_rows)}"),
        ("flag emoji in Description", f"{len(flag_desc_rows)}: {rl(flag_desc_rows)}"),
        ("CJK text", f"1: {r(cjk_row)} (Style Name and Description)"),
        ("Style Name with ü / é / ø", f"Tüll: {rl(tull_rows)}; Plissé: {rl(plisse_rows)}; Søren: {rl(soren_rows)}"),
        ("accented colours (Crème, Écru)", f"{sum(1 for x in rows if x['Colour'].strip() in ('Crème', 'Écru'))} rows"),
        ("Ecommerce Description starting with - or + (formula-like)", f"{len(formula_like_rows)}: {rl(formula_like_rows)}"),
        ("Gallery", "every row: 2-5 `|`-separated URLs"),
    ]
    width = max(len(k) for k, _ in mess)
    print("make-samples: planted problems")
    for k, v in mess:
        print(f"  {k.ljust(width)}  {v}")
    write_readme(os.path.join(out, "README.md"), mess)


def fixed_zip(path):
    """Rewrites a zip with fixed timestamps so the file is byte-for-byte reproducible."""
    with zipfile.ZipFile(path) as z:
        entries = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            if name == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*", rb"\g<1>2026-01-15T09:00:00Z", data)
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 15, 9, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            z.writestr(info, data)


def write_xlsx(path, rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Products"
    ws.append(COLUMNS)
    for c in ws[1]:
        c.font = Font(bold=True)
    for r in rows:
        ws.append([r[c] if r[c] != "" else None for c in COLUMNS])
    date_col = COLUMNS.index("In Store Date") + 1
    price_col = COLUMNS.index("Price") + 1
    for rr in range(2, len(rows) + 2):
        d = ws.cell(rr, date_col)
        if not isinstance(d.value, str):
            d.number_format = "dd/mm/yyyy"
        p = ws.cell(rr, price_col)
        if not isinstance(p.value, str):
            p.number_format = "#,##0.00"
    widths = {"SKU": 18, "Style Code": 13, "Style Name": 36, "Description": 60, "Ecommerce Description": 50,
              "Cover Image": 50, "Back Image": 50, "Gallery": 60, "Materials": 28}
    for k, c in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(k)].width = widths.get(c, 14)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{len(rows) + 1}"
    lists = wb.create_sheet("Lists")
    lists.sheet_state = "hidden"
    lists.append(["Gender", "Category", "Season"])
    cats = list(CATEGORIES)
    for k in range(max(len(cats), 4)):
        lists.append([["Women", "Men", "Unisex", "Kids"][k] if k < 4 else None, cats[k] if k < len(cats) else None,
                      SEASON if k == 0 else None])
    fixed = dt.datetime(2026, 1, 15, 9, 0, 0)
    wb.properties.creator = "Maison Aurel merchandising"
    wb.properties.created = fixed
    wb.save(path)
    fixed_zip(path)


def text_of(v):
    """The canonical text our readers give for a value (dates ISO, numbers shortest round-trip)."""
    if v is None:
        return ""
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float):
        return repr(v)
    return str(v)


def write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(COLUMNS)
        for r in rows:
            w.writerow([text_of(r[c]) for c in COLUMNS])


def write_jsonl(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            parts = []
            for c in COLUMNS:
                v = r[c]
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    val = repr(v)  # exact number text (prices with two decimals, Year)
                else:
                    val = json.dumps(text_of(v), ensure_ascii=False)
                parts.append(f"{json.dumps(c)}: {val}")
            f.write("{" + ", ".join(parts) + "}\n")


def write_readme(path, mess):
    lines = [
        "# Sample catalog: SS26 womenswear (Maison Aurel, collection \"SS26 Riviera\")",
        "",
        "Generated by `scripts/make-samples.py` (seeded, deterministic; needs `pip install openpyxl`).",
        "Do not edit these files by hand: change the script and run it again.",
        "",
        "- `ss26-womenswear.xlsx`: sheet `Products` (written by openpyxl; bold header, frozen header row,",
        "  autofilter), plus a hidden sheet `Lists` with the merchandiser's drop-down values.",
        "- `ss26-womenswear.csv`: the same rows, RFC 4180, UTF-8 without BOM, LF line ends, header line first.",
        "- `ss26-womenswear.jsonl`: the same rows as JSON Lines (one object per row, keys in column order).",
        "",
        "The three files hold the same values as our readers' canonical cell text: real Excel dates appear in",
        "CSV/JSONL as ISO text (`2026-03-01`), text dates as they are (`01/03/2026`); numeric prices are JSON",
        "numbers (`129.95`), text prices JSON strings (`\"49,90\"`); empty cells are empty strings.",
        "No field contains a line break, so a spreadsheet row N is CSV line N and JSONL line N - 1.",
        "",
        "Columns: " + ", ".join(f"`{c}`" for c in COLUMNS) + ".",
        "",
        "## Planted problems (row = spreadsheet row; the header is row 1)",
        "",
    ]
    for k, v in mess:
        lines.append(f"- **{k}**: {v}")
    lines.append("")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    main()
