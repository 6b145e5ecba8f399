#!/usr/bin/env python3
"""Writes samples/shopify-products.csv: a product export in Shopify's CSV layout.

One product spans several rows. The first row of a Handle carries the product columns (Title,
Body (HTML), Vendor, Type, Tags) and the first variant and image; the rows after it carry only
variant columns (Option1 Value, Variant SKU, Variant Price, ...) or one more image (Image Src,
Image Position). Bodies are HTML with entities (&amp;, &nbsp;, &eacute;, &#8217;). Deterministic:
running it again gives the same bytes. The products and their data are invented for the sample.

Usage: scripts/make-shopify-sample.py [--out samples]
"""

import argparse
import csv
import io
import os

COLUMNS = [
    "Handle", "Title", "Body (HTML)", "Vendor", "Product Category", "Type", "Tags", "Published",
    "Option1 Name", "Option1 Value", "Option2 Name", "Option2 Value", "Option3 Name", "Option3 Value",
    "Variant SKU", "Variant Grams", "Variant Inventory Tracker", "Variant Inventory Qty",
    "Variant Inventory Policy", "Variant Fulfillment Service", "Variant Price", "Variant Compare At Price",
    "Variant Requires Shipping", "Variant Taxable", "Variant Barcode", "Image Src", "Image Position",
    "Image Alt Text", "Gift Card", "SEO Title", "SEO Description", "Variant Image", "Variant Weight Unit",
    "Cost per item", "Status",
]

CDN = "https://cdn.example.com/shop/files"

# handle, title, vendor, type, tags, body, colour, sizes (size, price, compare-at), images
PRODUCTS = [
    ("riviera-linen-shirt", "Riviera Linen Shirt", "Maison Lune", "Shirts", "linen, summer, ss26",
     "<p>A relaxed shirt in washed <strong>European linen</strong> &amp; a soft camp collar.</p>"
     "<ul><li>100% linen</li><li>Mother&#8209;of&#8209;pearl buttons</li><li>Machine wash at 30&deg;C</li></ul>",
     "Sand", [("S", "89.00", "110.00"), ("M", "89.00", "110.00"), ("L", "89.00", "110.00")], 3),
    ("portofino-knit-polo", "Portofino Knit Polo", "Maison Lune", "Knitwear", "knit, cotton",
     "<p>Fine&nbsp;gauge cotton knit with a three&#8209;button placket.<br>Made in Portugal.</p>",
     "Navy", [("S", "75.00", ""), ("M", "75.00", ""), ("L", "75.00", ""), ("XL", "79.00", "")], 2),
    ("cote-dazur-midi-dress", "C\u00f4te d\u2019Azur Midi Dress", "Atelier Sol", "Dresses", "dress, viscose, ss26",
     "<h2>Caf&eacute; terrace ready</h2><p>A bias&#8209;cut midi in fluid viscose crêpe &mdash; "
     "lined, with a concealed side zip.</p><p>Model wears size&nbsp;S.</p>",
     "Terracotta", [("XS", "149.00", ""), ("S", "149.00", ""), ("M", "149.00", "")], 4),
    ("amalfi-straw-tote", "Amalfi Straw Tote", "Atelier Sol", "Bags", "accessories",
     "<p>Hand&#8209;woven straw tote with leather handles &amp; a cotton lining.</p>",
     "Natural", [("One Size", "65.00", "")], 2),
    ("capri-pleated-trousers", "Capri Pleated Trousers", "Maison Lune", "Trousers", "tailoring",
     "<div><p>High&#8209;rise trousers with a double pleat &amp; side pockets.</p>"
     "<ul><li>Wool blend</li><li>Dry clean only</li></ul></div>",
     "Stone", [("34", "119.00", ""), ("36", "119.00", ""), ("38", "119.00", ""), ("40", "119.00", "")], 1),
    ("lido-swim-short", "Lido Swim Short", "Bagni Blu", "Swimwear", "swim, recycled",
     "<p>Quick&#8209;dry recycled polyester. <em>Elastic waist</em> with drawcord.</p><p>&copy; Bagni Blu</p>",
     "Aqua", [("S", "59.90", "69.90"), ("M", "59.90", "69.90"), ("L", "59.90", "69.90")], 3),
    ("sorrento-espadrille", "Sorrento Espadrille", "Bagni Blu", "Shoes", "shoes, jute",
     "<p>Canvas espadrille on a jute sole.</p><p>True to size &ndash; half sizes take the size up.</p>",
     "Ecru", [("38", "79.00", ""), ("39", "79.00", ""), ("40", "79.00", ""), ("41", "79.00", "")], 2),
    ("positano-silk-scarf", "Positano Silk Scarf", "Atelier Sol", "Accessories", "silk, gift",
     "<p>Printed silk twill, 90&times;90&nbsp;cm, hand&#8209;rolled edges.</p>",
     "Lemon Print", [("One Size", "95.00", "")], 4),
]


def rows():
    out = []
    for handle, title, vendor, ptype, tags, body, colour, sizes, images in PRODUCTS:
        code = "".join(w[0] for w in handle.split("-")).upper()
        image_urls = [f"{CDN}/{handle}-{n}.jpg" for n in range(1, images + 1)]
        for i, (size, price, compare) in enumerate(sizes):
            r = dict.fromkeys(COLUMNS, "")
            r["Handle"] = handle
            if i == 0:
                r.update({
                    "Title": title, "Body (HTML)": body, "Vendor": vendor,
                    "Product Category": "Apparel & Accessories", "Type": ptype, "Tags": tags, "Published": "TRUE",
                    "Option1 Name": "Size", "Option2 Name": "Color", "Gift Card": "FALSE",
                    "SEO Title": title, "Status": "active",
                })
            r.update({
                "Option1 Value": size, "Option2 Value": colour, "Variant SKU": f"{code}-{colour[:3].upper()}-{size.replace(' ', '')}",
                "Variant Grams": "400", "Variant Inventory Tracker": "shopify", "Variant Inventory Qty": str(5 + 3 * i),
                "Variant Inventory Policy": "deny", "Variant Fulfillment Service": "manual", "Variant Price": price,
                "Variant Compare At Price": compare, "Variant Requires Shipping": "TRUE", "Variant Taxable": "TRUE",
                "Variant Weight Unit": "kg",
            })
            if i < len(image_urls):
                r["Image Src"] = image_urls[i]
                r["Image Position"] = str(i + 1)
                r["Image Alt Text"] = f"{title} \u2013 view {i + 1}"
            out.append(r)
        # Images beyond the variants come on rows of their own with only the handle and the image.
        for n in range(len(sizes), images):
            r = dict.fromkeys(COLUMNS, "")
            r.update({"Handle": handle, "Image Src": image_urls[n], "Image Position": str(n + 1),
                      "Image Alt Text": f"{title} \u2013 view {n + 1}"})
            out.append(r)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "samples"))
    args = ap.parse_args()
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    data = rows()
    w.writerows(data)
    path = os.path.join(args.out, "shopify-products.csv")
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(buf.getvalue())
    variants = sum(1 for r in data if r["Variant SKU"])
    print(f"wrote {path}: {len(data)} rows, {len(PRODUCTS)} products, {variants} variants")


if __name__ == "__main__":
    main()
