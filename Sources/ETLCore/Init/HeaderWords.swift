import Foundation

/// How `init` reads a header: as words (camelCase and compounds split, accents and case folded), and
/// which catalog concept those words name, in the languages catalogs are written in (English,
/// German, French, Italian, Spanish).
public enum HeaderWords {
    /// The words of a header: split at anything not a letter or digit and at lower-to-upper case
    /// changes (`baseColour` → `base colour`, `productDisplayName` → `product display name`,
    /// `Image Src` → `image src`), lower-cased, accents removed (`Ärmel` → `armel`).
    public static func words(_ header: String) -> [String] {
        var out: [String] = []
        var current = ""
        var previous: Character? = nil
        for ch in header {
            if ch.isLetter || ch.isNumber {
                if let p = previous, p.isLowercase, ch.isUppercase, !current.isEmpty {
                    out.append(current)
                    current = ""
                } else if let p = previous, p.isLetter != ch.isLetter, !current.isEmpty {
                    // `image_url_1`, `Option1` → `option 1`.
                    out.append(current)
                    current = ""
                }
                current.append(ch)
            } else if !current.isEmpty {
                out.append(current)
                current = ""
            }
            previous = ch
        }
        if !current.isEmpty { out.append(current) }
        return out.map(fold)
    }

    /// Lower case without accents (`Größe` → `grosse`, `Catégorie` → `categorie`).
    public static func fold(_ s: String) -> String {
        s.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: Locale(identifier: "en_US_POSIX"))
            .replacingOccurrences(of: "ß", with: "ss")
    }

    /// How much a header reads like a product key (0: not at all).
    public static func keyScore(_ header: String) -> Int {
        let w = words(header)
        let joined = w.joined(separator: " ")
        let table: [(String, Int)] = [
            ("sku", 100), ("variant sku", 60), ("article number", 95), ("artikelnummer", 95), ("art nr", 90),
            ("artnr", 90), ("item number", 90), ("item code", 85), ("product code", 85), ("product id", 85),
            ("handle", 80), ("ean", 60), ("gtin", 60), ("upc", 55), ("id", 75), ("code", 50), ("style code", 70),
            ("style number", 70), ("reference", 60), ("ref", 55), ("referencia", 60), ("riferimento", 60),
            ("codice articolo", 90), ("code article", 90), ("numero articolo", 90), ("numero", 40), ("key", 50),
        ]
        var best = 0
        for (phrase, score) in table {
            let p = phrase.split(separator: " ").map(String.init)
            if w == p {
                best = max(best, score + 10)
            } else if contains(w, p) {
                best = max(best, score - 10 * (w.count - p.count))
            }
        }
        // A German compound ending in -nummer (Artikelnummer, Materialnummer).
        if w.count == 1, joined.hasSuffix("nummer") { best = max(best, 70) }
        return max(0, best)
    }

    /// Whether `phrase` occurs as consecutive words of `words`.
    static func contains(_ words: [String], _ phrase: [String]) -> Bool {
        guard !phrase.isEmpty, phrase.count <= words.count else { return false }
        for i in 0...(words.count - phrase.count) where Array(words[i..<(i + phrase.count)]) == phrase { return true }
        return false
    }

    /// A catalog concept and the phrases that name it.
    public struct Concept: Sendable {
        /// The concept's name (`colour`).
        public var name: String
        /// Phrases, already folded (lower case, no accents), in any of the supported languages.
        public var phrases: [String]
        /// Words that, inside a longer single word (German compounds), also name it (`hauptfarbe`).
        public var stems: [String]
    }

    /// The concepts `init` maps target fields to, with their synonyms.
    public static let concepts: [Concept] = [
        Concept(
            name: "name",
            phrases: [
                "name", "title", "product name", "style name", "product title", "display name",
                "product display name", "item name", "article name", "model name", "bezeichnung",
                "artikelbezeichnung", "produktname", "produktbezeichnung", "artikelname", "titel", "nom",
                "nom du produit", "nom produit", "titre", "libelle", "designation", "nome", "nome prodotto",
                "titolo", "denominazione", "nombre", "nombre del producto", "titulo", "denominacion",
            ], stems: ["bezeichnung", "produktname"]),
        Concept(
            name: "description",
            phrases: [
                "description", "long description", "product description", "body", "body html", "details",
                "beschreibung", "produktbeschreibung", "langtext", "langbeschreibung", "artikelbeschreibung",
                "descriptif", "description longue", "descrizione", "descrizione prodotto", "descripcion",
                "descripcion del producto", "desc",
            ], stems: ["beschreibung"]),
        Concept(
            name: "ecommerce description",
            phrases: [
                "ecommerce description", "e commerce description", "online description", "web description",
                "shop description", "webshop description", "onlinebeschreibung", "webtext", "shoptext",
                "description ecommerce", "descrizione ecommerce", "descripcion ecommerce",
            ], stems: []),
        Concept(name: "back description", phrases: ["back description", "back text"], stems: []),
        Concept(
            name: "brand",
            phrases: [
                "brand", "brand name", "vendor", "marke", "markenname", "hersteller", "marque", "marca",
                "manufacturer", "label", "designer", "fabricant", "produttore", "fabricante",
            ], stems: ["marke"]),
        Concept(
            name: "colour",
            phrases: [
                "colour", "color", "colour name", "color name", "base colour", "base color", "main colour",
                "colorway", "farbe", "farbname", "hauptfarbe", "couleur", "coloris", "colore", "colori",
            ], stems: ["farbe", "colour", "color"]),
        Concept(
            name: "category",
            phrases: [
                "category", "master category", "main category", "product category", "categories", "kategorie",
                "hauptkategorie", "warengruppe", "produktgruppe", "categorie", "rubrique", "categoria",
                "categoria principale", "department", "product group", "family", "famille", "famiglia",
                "familia",
            ], stems: ["kategorie", "warengruppe"]),
        Concept(
            name: "type",
            phrases: [
                "type", "article type", "product type", "item type", "garment type", "artikeltyp", "artikelart",
                "produkttyp", "typ", "type de produit",
                "type d article", "tipo", "tipo di prodotto", "tipo articolo", "tipo de producto",
                "tipo de articulo",
            ], stems: ["artikelart", "artikeltyp"]),
        Concept(
            name: "gender",
            phrases: [
                "gender", "sex", "target group", "geschlecht", "zielgruppe", "genre", "sexe", "genere", "sesso",
                "genero", "sexo",
            ], stems: ["geschlecht"]),
        Concept(
            name: "season",
            phrases: ["season", "saison", "stagione", "temporada", "season code"], stems: ["saison"]),
        Concept(
            name: "year",
            phrases: [
                "year", "season year", "model year", "collection year", "jahr", "modelljahr", "annee", "anno",
                "ano",
            ], stems: ["jahr"]),
        Concept(
            name: "pattern",
            phrases: ["pattern", "print", "muster", "motif", "imprime", "motivo", "fantasia", "estampado", "dibujo"],
            stems: ["muster"]),
        Concept(
            name: "materials",
            phrases: [
                "materials", "material", "composition", "fabric", "fabric composition", "material composition",
                "zusammensetzung", "materialzusammensetzung", "obermaterial", "stoff", "matiere", "matieres",
                "materiale", "materiali", "composizione", "tessuto", "materiales", "composicion", "tejido",
            ], stems: ["material", "zusammensetzung"]),
        Concept(
            name: "fit",
            phrases: ["fit", "fit type", "cut", "passform", "schnitt", "coupe", "vestibilita", "corte", "ajuste"],
            stems: ["passform"]),
        Concept(
            name: "sleeve",
            phrases: [
                "sleeve", "sleeve type", "sleeve length", "armel", "armellange", "armelart", "manche", "manches",
                "manica", "maniche", "manga", "mangas",
            ], stems: ["armel"]),
        Concept(
            name: "neckline",
            phrases: [
                "neckline", "neck", "neck type", "collar", "ausschnitt", "kragen", "halsausschnitt", "encolure",
                "col", "scollo", "collo", "cuello", "escote",
            ], stems: ["ausschnitt", "kragen"]),
        Concept(
            name: "closure",
            phrases: ["closure", "closure type", "fastening", "verschluss", "fermeture", "chiusura", "cierre"],
            stems: ["verschluss"]),
        Concept(
            name: "length",
            phrases: ["length", "length type", "lange", "longueur", "lunghezza", "largo", "longitud"], stems: []),
        Concept(
            name: "style code",
            phrases: [
                "style code", "style number", "style no", "style id", "style", "model number", "model code",
                "parent sku", "root sku", "master sku", "group id", "modell", "modellnummer", "stilnummer",
                "modele", "reference modele", "modello", "codice modello", "modelo", "codigo modelo",
            ], stems: ["modellnummer"]),
        Concept(
            name: "master item code", phrases: ["master item code", "master code", "master item"], stems: []),
        Concept(name: "theme", phrases: ["theme", "story", "thema", "tema", "theme name"], stems: []),
        Concept(
            name: "collection",
            phrases: [
                "collection", "brand collection", "collection name", "line", "kollektion", "collezione",
                "coleccion", "capsule",
            ], stems: ["kollektion"]),
        Concept(
            name: "in store date",
            phrases: [
                "in store date", "instore date", "launch date", "release date", "drop date", "availability date",
                "delivery date", "available from", "liefertermin", "erscheinungsdatum", "verfugbar ab",
                "date de sortie", "date de lancement", "data di uscita", "data lancio", "fecha de lanzamiento",
                "fecha de salida",
            ], stems: ["liefertermin"]),
        Concept(
            name: "cover image",
            phrases: [
                "cover image", "cover", "main image", "image", "image src", "image url", "image link",
                "primary image", "front image", "main picture", "picture", "photo", "image 1", "image url 1",
                "link", "bild", "hauptbild", "bild url", "bildlink", "image principale", "photo principale",
                "immagine", "immagine principale", "foto", "foto principale", "imagen", "imagen principal",
            ], stems: ["hauptbild"]),
        Concept(
            name: "back image",
            phrases: [
                "back image", "back", "back view", "rear image", "ruckansicht", "ruckseite", "image dos",
                "vue de dos", "immagine retro", "retro", "imagen trasera", "espalda",
            ], stems: ["ruckansicht"]),
        Concept(
            name: "gallery",
            phrases: [
                "gallery", "images", "additional images", "more images", "extra images", "alternative images",
                "image gallery", "reference images", "bilder", "galerie", "weitere bilder", "zusatzbilder",
                "images supplementaires", "galleria", "altre immagini", "galeria", "mas imagenes",
            ], stems: ["bilder", "galerie"]),
    ]

    /// How well `header` names `concept`, 0 to 100, and why.
    public static func score(_ header: String, concept: Concept, fieldName: String) -> (Int, String)? {
        let w = words(header)
        guard !w.isEmpty else { return nil }
        let fieldWords = fieldName.split(separator: "_").map { fold(String($0)) }
        if w == fieldWords { return (100, "the header is the field's name") }
        let shown = w.joined(separator: " ")
        let same = shown == fold(header)
        let isA = same ? "\"\(header)\" is" : "\"\(header)\" reads \"\(shown)\","
        let holds = same ? "\"\(header)\"" : "\"\(header)\" reads \"\(shown)\","
        var best: (Int, String)? = nil
        for phrase in concept.phrases {
            let p = phrase.split(separator: " ").map(String.init)
            if w == p {
                if 95 > (best?.0 ?? 0) { best = (95, "\(isA) a synonym of \(concept.name)") }
            } else if contains(w, p) {
                let s = 80 + 3 * p.count - 6 * (w.count - p.count)
                if s > (best?.0 ?? 0) {
                    best = (s, "\(holds) which holds \"\(phrase)\" (\(concept.name))")
                }
            }
        }
        if best == nil, w.count == 1, let word = w.first {
            for stem in concept.stems where word.count > stem.count && word.contains(stem) {
                best = (60, "\"\(header)\" is a compound of \"\(stem)\" (\(concept.name))")
                break
            }
        }
        return best
    }

    /// The concept a target field reads, when `init` maps it by name (nil: only by content or the key).
    public static func concept(forField field: String) -> String? {
        switch field {
        case "name", "title": return "name"
        case "description": return "description"
        case "ecommerce_description": return "ecommerce description"
        case "back_description": return "back description"
        case "brand": return "brand"
        case "colour": return "colour"
        case "category": return "category"
        case "type": return "type"
        case "gender": return "gender"
        case "season": return "season"
        case "year": return "year"
        case "pattern": return "pattern"
        case "materials": return "materials"
        case "fit_type": return "fit"
        case "sleeve_type": return "sleeve"
        case "neckline": return "neckline"
        case "closure_type": return "closure"
        case "length_type": return "length"
        case "style_code", "root_sku": return "style code"
        case "master_item_code": return "master item code"
        case "theme": return "theme"
        case "brand_collection": return "collection"
        case "in_store_date": return "in store date"
        case "cover_image", "image_url", "image_url_1": return "cover image"
        case "back_image", "image_url_2": return "back image"
        case "reference_images": return "gallery"
        default: return nil
        }
    }

    /// Words for genders, folded, by the value they map to on a gender enumeration.
    public static let genderWords: [String: [String]] = [
        "FEMALE": [
            "w", "f", "women", "woman", "womens", "female", "females", "ladies", "lady", "girls", "girl", "damen",
            "dame", "frauen", "frau", "madchen", "femme", "femmes", "fille", "filles", "donna", "donne",
            "bambina", "ragazza", "mujer", "mujeres", "dama", "damas", "nina", "ninas", "wmn", "wmns", "d",
        ],
        "MALE": [
            "m", "h", "men", "man", "mens", "male", "males", "boys", "boy", "herren", "herr", "manner", "jungen",
            "junge", "homme", "hommes", "garcon", "garcons", "uomo", "uomini", "bambino", "ragazzo", "hombre",
            "hombres", "caballero", "caballeros", "nino", "ninos",
        ],
        "UNISEX": [
            "u", "unisex", "uni", "unisexe", "unisexo", "mixte", "misto", "mixto", "all", "both", "neutral",
            "gender neutral", "any",
        ],
    ]

    /// The enumeration value a source value means, when it is a known word for one of `values`.
    public static func enumValue(for value: String, among values: [String]) -> String? {
        let v = fold(value).trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "'", with: "")
            .replacingOccurrences(of: "’", with: "")
        if let same = values.first(where: { fold($0) == v }) { return same }
        for target in values {
            if let words = genderWords[target], words.contains(v) { return target }
        }
        return nil
    }
}
