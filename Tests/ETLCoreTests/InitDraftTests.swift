import Foundation
import Testing

@testable import ETLCore

/// `init`'s guesses on small fixtures: read settings, key, grouping, mapping by name in five
/// languages and camelCase, value maps, date formats and list separators.
@Suite("init draft")
struct InitDraftTests {
    static func draft(_ fixture: String, _ service: TargetService) throws -> PipelineDraft {
        let profile = try FileProfiler.profile(path: Fixture.path("init/" + fixture))
        return PipelineDraft(
            profile: profile, contract: TargetContract.contract(for: service), name: "t", readPath: fixture,
            schemaPath: "catalog-etl.schema.json", command: "catalog-etl init \(fixture)")
    }

    @Test func readsGermanHeadersWithTheirSemicolonAndDayFirstDots() throws {
        let d = try Self.draft("multilingual-de.csv", .sartiq)
        #expect(
            d.mapping == [
                "sku": "Artikelnummer", "name": "Bezeichnung", "brand": "Marke", "colour": "Farbe",
                "gender": "Geschlecht", "cover_image": "Hauptbild", "reference_images": "Weitere Bilder",
                "description": "Produktbeschreibung", "season": "Saison", "year": "Jahr",
                "in_store_date": "Liefertermin",
            ])
        #expect(d.text.contains("      delimiter: ;"))
        #expect(d.text.contains("      key: Artikelnummer"))
        #expect(d.text.contains("reference_images: { from: Weitere Bilder, split: \"|\" }"))
        #expect(d.text.contains("in_store_date: { from: Liefertermin, as: datetime, date_format: dd.MM.yyyy }"))
        #expect(d.text.contains("year: { from: Jahr, as: integer }"))
        #expect(d.text.contains("            Damen: FEMALE"))
        #expect(d.text.contains("            Herren: MALE"))
        #expect(d.text.contains("            Unisex: UNISEX"))
        #expect(d.text.contains("          on_unmapped: error"))
        #expect(d.text.contains("unmapped: brand_metadata") && d.text.contains("columns no field reads: Preis"))
        #expect(d.todos.isEmpty)
    }

    @Test func readsItalianJSONLinesAndFrenchSpanishHeaders() throws {
        let it = try Self.draft("multilingual-it.jsonl", .pixyle)
        #expect(
            it.mapping == [
                "sku": "Codice articolo", "title": "Nome prodotto", "category": "Categoria",
                "description": "Descrizione", "image_url_1": "Immagine principale",
            ])
        #expect(!it.text.contains("header_row"))
        let itSartiq = try Self.draft("multilingual-it.jsonl", .sartiq)
        #expect(itSartiq.mapping["colour"] == "Colore" && itSartiq.mapping["materials"] == "Materiale")
        #expect(itSartiq.text.contains("            Donna: FEMALE") && itSartiq.text.contains("            Uomo: MALE"))
        let fr = try Self.draft("multilingual-fr-es.csv", .sartiq)
        #expect(
            fr.mapping == [
                "sku": "Référence", "name": "Nom", "colour": "Couleur", "gender": "Sexe", "category": "Catégorie",
                "cover_image": "Photo", "description": "Descripción", "season": "Temporada",
                "materials": "Composición",
            ])
        #expect(fr.text.contains("            Mixte: UNISEX"))
    }

    @Test func splitsCamelCaseHeadersOfAFashionCatalog() throws {
        let d = try Self.draft("fashion-styles.csv", .sartiq)
        #expect(d.mapping["sku"] == "id")
        #expect(d.mapping["name"] == "productDisplayName")
        #expect(d.mapping["colour"] == "baseColour")
        #expect(d.mapping["category"] == "masterCategory")
        #expect(d.mapping["type"] == "articleType")
        #expect(d.mapping["gender"] == "gender")
        #expect(d.mapping["season"] == "season")
        #expect(d.mapping["year"] == "year")
        #expect(d.text.contains("year: { from: year, as: integer }"))
        #expect(d.text.contains("            Boys: MALE") && d.text.contains("            Girls: FEMALE"))
        // One row has an unquoted comma: read padded, said so.
        #expect(d.text.contains("      ragged_rows: pad"))
        // No image column: the required cover is a TODO that check reports.
        #expect(d.todos.contains { $0.hasPrefix("cover_image is required") })
        #expect(d.text.contains("        # TODO: cover_image is required by sartiq.product_create"))
    }

    @Test func skipsATitleBannerAboveTheHeaders() throws {
        let profile = try FileProfiler.profile(path: Fixture.path("init/banner.csv"))
        #expect(profile.options.headerRow == 3)
        #expect(profile.rows == 3)
        #expect(profile.key == "SKU")
        let d = try Self.draft("banner.csv", .mixpeek)
        #expect(d.text.contains("      header_row: 3"))
        #expect(
            d.mapping == [
                "sku": "SKU", "title": "Style Name", "image_url": "Cover Image", "description": "Description",
            ])
    }

    @Test func picksTheProductSheetAndItsHeaderRowInAWorkbook() throws {
        let d = try Self.draft("banner-sheets.xlsx", .sartiq)
        #expect(d.text.contains("      sheet: Produkte"))
        #expect(d.text.contains("      header_row: 3"))
        #expect(
            d.mapping == [
                "sku": "Artikelnummer", "name": "Artikelbezeichnung", "cover_image": "Bild URL", "gender": "Geschlecht",
                "colour": "Farbe", "year": "Jahr", "in_store_date": "Erscheinungsdatum",
            ])
        // Two real dates and one text date: the text decides the format.
        #expect(d.text.contains("in_store_date: { from: Erscheinungsdatum, as: datetime, date_format: dd.MM.yyyy }"))
        #expect(d.text.contains("            Damen: FEMALE                       # 1 row\n"))
    }

    @Test func decidesDayOrMonthFirstOnTheWholeColumn() throws {
        let dayFirst = try Self.draft("dates-day-first.csv", .sartiq)
        #expect(dayFirst.text.contains("date_format: dd/MM/yyyy }"))
        #expect(!dayFirst.text.contains("# TODO") && dayFirst.todos.isEmpty)
        let monthFirst = try Self.draft("dates-month-first.csv", .sartiq)
        #expect(monthFirst.text.contains("date_format: MM/dd/yyyy }"))
        let ambiguous = try Self.draft("dates-ambiguous.csv", .sartiq)
        #expect(ambiguous.text.contains("date_format: dd/MM/yyyy }"))
        #expect(
            ambiguous.text.contains(
                "        # TODO: every text date of In Store Date reads both day-first and month-first; dd/MM/yyyy assumed"
            ))
        #expect(ambiguous.todos.count == 1)
    }

    @Test func groupsTheShopifyShapeAndCollectsWhatVaries() throws {
        let profile = try FileProfiler.profile(path: Fixture.path("init/shopify-shaped.csv"))
        let g = try #require(profile.group)
        #expect(g.by == "Handle")
        #expect(g.groups == 3 && g.followOnRows == 5)
        #expect(g.collect == ["Option1 Value", "Variant SKU", "Image Src", "Image Position"])
        let sartiq = try Self.draft("shopify-shaped.csv", .sartiq)
        #expect(sartiq.text.contains("  - group:"))
        #expect(sartiq.text.contains("      by: Handle"))
        #expect(sartiq.text.contains("      collect: [Option1 Value, Variant SKU, Image Src, Image Position]"))
        #expect(sartiq.text.contains("cover_image: { from: Image Src, item: 1 }"))
        #expect(sartiq.text.contains("        reference_images: Image Src"))
        #expect(sartiq.mapping["name"] == "Title" && sartiq.mapping["description"] == "Body (HTML)")
        #expect(sartiq.mapping["brand"] == "Vendor" && sartiq.mapping["type"] == "Type")
        let pixyle = try Self.draft("shopify-shaped.csv", .pixyle)
        #expect(pixyle.text.contains("image_url_1: { from: Image Src, item: 1 }"))
        #expect(pixyle.text.contains("image_url_2: { from: Image Src, item: 2 }"))
        #expect(pixyle.text.contains("image_url_3: { from: Image Src, item: 3 }"))
        #expect(!pixyle.text.contains("image_url_4"))
    }

    @Test func groupsByHandleEvenWhenAUniqueVariantSKUComesFirst() throws {
        // Images on variant rows: every row has a Variant SKU, unique; the product is still the Handle.
        let profile = try FileProfiler.profile(path: Fixture.path("init/shopify-variant-first.csv"))
        #expect(profile.key == "Handle")
        #expect(profile.group?.collect == ["Variant SKU", "Option1 Value", "Image Src"])
    }

    @Test func mapsATemplateWithHeadersOnlyByName() throws {
        let d = try Self.draft("headers-only.csv", .sartiq)
        #expect(d.text.contains("      key: Artikelnummer"))
        #expect(
            d.mapping == [
                "sku": "Artikelnummer", "name": "Bezeichnung", "cover_image": "Hauptbild", "gender": "Geschlecht",
            ])
        #expect(d.todos.isEmpty)
    }

    @Test func writesTheSchemaLineAndSandboxDefaults() throws {
        let d = try Self.draft("banner.csv", .wickson)
        #expect(d.text.hasPrefix("# yaml-language-server: $schema=catalog-etl.schema.json\n"))
        #expect(d.text.contains("      endpoint: ${WICKSON_URL:-sandbox}"))
        #expect(d.text.contains("      api_key: ${WICKSON_API_KEY:-wk_sandbox}"))
        #expect(d.text.contains("      rate: ${WICKSON_RATE:-1000/h}"))
        #expect(PipelineDraft.rateText(10.0 / 60) == "10/min" && PipelineDraft.rateText(5) == "5/s")
    }

    @Test(arguments: [
        ("baseColour", ["base", "colour"]), ("productDisplayName", ["product", "display", "name"]),
        ("Image Src", ["image", "src"]), ("Body (HTML)", ["body", "html"]), ("image_url_1", ["image", "url", "1"]),
        ("Ärmellänge", ["armellange"]), ("Catégorie", ["categorie"]),
    ])
    func splitsHeadersIntoWords(_ header: String, _ words: [String]) {
        #expect(HeaderWords.words(header) == words)
    }

    @Test func quotesYAMLScalarsOnlyWhenNeeded() {
        #expect(PipelineDraft.q("Style Name") == "Style Name")
        #expect(PipelineDraft.q("Body (HTML)") == "Body (HTML)")
        #expect(PipelineDraft.q("yes") == "\"yes\"")
        #expect(PipelineDraft.q("a, b") == "\"a, b\"")
        #expect(PipelineDraft.q("|") == "\"|\"")
        #expect(PipelineDraft.q("2026") == "\"2026\"")
        #expect(PipelineDraft.q("say \"hi\"") == "\"say \\\"hi\\\"\"")
    }
}
