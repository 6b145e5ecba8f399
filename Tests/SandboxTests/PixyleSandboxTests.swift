import ETLTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import OrderedJSON
import Testing
import XLSX

@testable import Sandbox

@Suite("pixyle sandbox")
struct PixyleSandboxTests {
    let schemas: SchemaChecker

    init() throws { schemas = try SchemaChecker(fixture: "pixyle-schemas") }

    static let csv = """
        sku,image_url_1,title,description
        A-1,https://img.example/a1.jpg,Black cotton long sleeve shirt,Relaxed fit
        A-2,https://img.example/missing/a2.jpg,Red floral dress,Midi length
        A-3,https://img.example/a3.jpg,Blue denim jeans,
        """

    @Test func checkerRejectsWrongShapes() {
        #expect(!schemas.problems(["message": "x"], against: "CollectionUploadResponse").isEmpty)
        #expect(!schemas.problems(["error": "x", "code": "400"], against: "ErrorResponse").isEmpty)
        #expect(schemas.problems(["error": "x", "code": 400], against: "ErrorResponse").isEmpty)
    }

    @Test func tokenEndpointAnswersTokensAndErrors() async throws {
        try await withSandbox { client in
            let ok = try await client.execute(
                uri: "/pixyle/auth/v1/token", method: .post, headers: jsonHeaders,
                body: body(["email": "demo@example.com", "password": "sandbox"]))
            #expect(ok.status == .ok)
            #expect(ok.json["access_token"]?.stringValue?.isEmpty == false)
            #expect(ok.json["refresh_token"]?.stringValue?.isEmpty == false)
            let bad = try await client.execute(
                uri: "/pixyle/auth/v1/token", method: .post, headers: jsonHeaders,
                body: body(["email": "demo@example.com", "password": "wrong"]))
            #expect(bad.status == .unauthorized)
            #expect(schemas.problems(bad.json, against: "ErrorResponse").isEmpty)
            let empty = try await client.execute(uri: "/pixyle/auth/v1/token", method: .post)
            #expect(empty.status == .badRequest)
            #expect(empty.json["code"] == 400)
            let anonymous = try await client.execute(uri: "/pixyle/main/v1/collections", method: .get)
            #expect(anonymous.status == .unauthorized)
            #expect(schemas.problems(anonymous.json, against: "ErrorResponse").isEmpty)
        }
    }

    @Test func uploadCreatesCollectionThatProcessesAndReportsImageErrors() async throws {
        let schemas = self.schemas
        let configuration = try config { $0.pixyleProcessingSeconds = 1.0 }
        try await withSandbox(configuration) { client in
            let auth = try await pixyleAuth(client)
            let created = try await pixyleUpload(client, auth, csv: Self.csv, filename: "spring.csv")
            #expect(created.status == .ok)
            #expect(schemas.problems(created.json, against: "CollectionUploadResponse") == [])
            #expect(created.json["name"] == "spring")
            #expect(created.json["product_count"] == 3)
            #expect(created.json["image_count"] == 3)
            let id = try #require(created.json["id"]?.intValue)

            let early = try await client.execute(uri: "/pixyle/main/v1/collections/\(id)", method: .get, headers: auth)
            #expect(schemas.problems(early.json, against: "CollectionDetailResponse") == [])
            let earlyShare = try #require(early.json["processed_products_percentage"]?.number)
            #expect(earlyShare < 100)

            try await Task.sleep(for: .milliseconds(1100))
            let done = try await client.execute(uri: "/pixyle/main/v1/collections/\(id)", method: .get, headers: auth)
            #expect(schemas.problems(done.json, against: "CollectionDetailResponse") == [])
            #expect(done.json["processed_products_percentage"]?.number == 100)
            #expect(done.json["error_count"] == 1)
            let error = try #require(done.json["errors"]?.arrayValue?.first)
            #expect(error["image_name"] == "a2.jpg")
            #expect(error["error_code"] == 404)

            let csv = try await client.execute(
                uri: "/pixyle/main/v1/collections/\(id)/export/csv", method: .get, headers: auth)
            #expect(csv.status == .ok)
            #expect(csv.headers[.contentDisposition] == "attachment; filename=\"spring_\(id).csv\"")
            let lines = csv.text.split(separator: "\r\n")
            #expect(
                lines.first
                    == "product_id,sku,root_sku,title,description,image_url_1,category,color,pattern,sleeve_length,material"
            )
            #expect(lines.count == 3)
            #expect(
                lines.contains {
                    $0.hasSuffix(
                        ",A-1,,Black cotton long sleeve shirt,Relaxed fit,https://img.example/a1.jpg,shirts,black,,long,cotton"
                    )
                })

            let json = try await client.execute(
                uri: "/pixyle/main/v1/collections/\(id)/export/json", method: .get, headers: auth)
            let rows = try #require(json.json.arrayValue)
            #expect(rows.count == 2)
            #expect(rows.first(where: { $0["sku"] == "A-3" })?["material"] == "denim")
            #expect(json.headers[.contentDisposition]?.hasPrefix("attachment; filename=") == true)

            let pdf = try await client.execute(
                uri: "/pixyle/main/v1/collections/\(id)/export/pdf", method: .get, headers: auth)
            #expect(pdf.status == .badRequest)
        }
    }

    @Test func xlsxExportHoldsTheSameTableAsCSV() async throws {
        let configuration = try config { $0.pixyleProcessingSeconds = 0.05 }
        try await withSandbox(configuration) { client in
            let auth = try await pixyleAuth(client)
            let created = try await pixyleUpload(client, auth, csv: Self.csv, filename: "summer.csv")
            let id = try #require(created.json["id"]?.intValue)
            try await Task.sleep(for: .milliseconds(150))
            let csv = try await client.execute(
                uri: "/pixyle/main/v1/collections/\(id)/export/csv", method: .get, headers: auth)
            let xlsx = try await client.execute(
                uri: "/pixyle/main/v1/collections/\(id)/export/xlsx", method: .get, headers: auth)
            #expect(xlsx.status == .ok)
            #expect(xlsx.headers[.contentType] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            #expect(xlsx.headers[.contentDisposition] == "attachment; filename=\"summer_\(id).xlsx\"")

            let path = URL(fileURLWithPath: TemporaryFolder.file("products.xlsx", prefix: "px"))
            defer { try? FileManager.default.removeItem(at: path) }
            try Data(xlsx.body.readableBytesView).write(to: path)
            let book = try XLSXWorkbook(path: path.path)
            #expect(book.sheets.map(\.name) == ["products"])
            let reader = try book.rows(of: try #require(book.sheets.first), background: false)
            var table: [[String]] = []
            while let row = try reader.nextRow() {
                var cells = [String](repeating: "", count: (row.cells.map(\.column).max() ?? -1) + 1)
                for cell in row.cells {
                    guard case .text(let text) = cell.value else {
                        Issue.record("cell \(cell.column) of row \(row.number) is not text: \(cell.value)")
                        continue
                    }
                    cells[cell.column] = text
                }
                table.append(cells)
            }
            let csvTable = CSVTable.parse(csv.text).filter { $0 != [""] }
            #expect(table.count == 3)
            #expect(table.count == csvTable.count)
            for (x, c) in zip(table, csvTable) {
                let padded = x + [String](repeating: "", count: max(0, c.count - x.count))
                #expect(padded == c)
            }
        }
    }

    @Test func jsonUploadNameDeduplicationAddProductsAndDelete() async throws {
        let schemas = self.schemas
        let configuration = try config { $0.pixyleUploadsPerSecond = 100 }
        try await withSandbox(configuration) { client in
            let auth = try await pixyleAuth(client)
            let json = #"[{"sku":"J-1","image_url_1":"https://img.example/j1.jpg","price":12.5}]"#
            let first = try await pixyleUpload(client, auth, csv: json, filename: "drop.json", name: "Summer")
            #expect(first.json["name"] == "Summer")
            let second = try await pixyleUpload(client, auth, csv: json, filename: "drop.json", name: "Summer")
            #expect(second.json["name"] == "Summer (2)")
            let id = try #require(first.json["id"]?.intValue)

            let added = try await pixyleUpload(
                client, auth, csv: "sku,image_url_1\nJ-2,https://img.example/j2.jpg\n", into: id)
            #expect(added.status == .ok)
            #expect(schemas.problems(added.json, against: "CollectionUpgradeResponse") == [])
            #expect(added.json["product_count"] == 2)
            let missing = try await pixyleUpload(client, auth, csv: "sku,image_url_1\nJ-3,https://x/j.jpg\n", into: 999)
            #expect(missing.status == .notFound)

            let deleted = try await client.execute(
                uri: "/pixyle/main/v1/collections/\(id)", method: .delete, headers: auth)
            #expect(deleted.status == .ok)
            #expect(schemas.problems(deleted.json, against: "DeleteResponse") == [])
            let gone = try await client.execute(uri: "/pixyle/main/v1/collections/\(id)", method: .get, headers: auth)
            #expect(gone.status == .notFound)
            #expect(schemas.problems(gone.json, against: "ErrorResponse") == [])
        }
    }

    @Test func fileWithoutMandatoryFieldsIsRejectedWhole() async throws {
        let configuration = try config { $0.pixyleUploadsPerSecond = 100 }
        try await withSandbox(configuration) { client in
            let auth = try await pixyleAuth(client)
            let bad = try await pixyleUpload(
                client, auth, csv: "sku,image_url_1\nB-1,https://x/b1.jpg\nB-2,\n")
            #expect(bad.status == .unprocessableContent)
            #expect(bad.json["code"] == 422)
            let noFile = try await client.execute(
                uri: "/pixyle/main/v1/collections", method: .post,
                headers: auth.merging([.contentType: multipart([("name", nil, "x")]).1]),
                body: multipart([("name", nil, "x")]).0)
            #expect(noFile.status == .badRequest)
            let list = try await client.execute(uri: "/pixyle/main/v1/collections", method: .get, headers: auth)
            #expect(list.json["meta"]?["total"] == 0)
            #expect(try await stats(client, .pixyle)["items"] == 0)
        }
    }

    @Test func listPagesWithinBounds() async throws {
        let schemas = self.schemas
        let configuration = try config { $0.pixyleUploadsPerSecond = 100 }
        try await withSandbox(configuration) { client in
            let auth = try await pixyleAuth(client)
            for n in 1...9 {
                _ = try await pixyleUpload(
                    client, auth, csv: "sku,image_url_1\nL-\(n),https://x/\(n).jpg\n", name: "c\(n)")
            }
            let first = try await client.execute(uri: "/pixyle/main/v1/collections", method: .get, headers: auth)
            #expect(schemas.problems(first.json, against: "CollectionsListResponse") == [])
            #expect(first.json["meta"] == ["page": 1, "size": 7, "total": 9, "total_pages": 2])
            #expect(first.json["result"]?.arrayValue?.count == 7)
            let second = try await client.execute(
                uri: "/pixyle/main/v1/collections?page=2&size=7", method: .get, headers: auth)
            #expect(second.json["result"]?.arrayValue?.count == 2)
            for query in ["size=0", "size=21", "page=0", "size=abc"] {
                let bad = try await client.execute(
                    uri: "/pixyle/main/v1/collections?\(query)", method: .get, headers: auth)
                #expect(bad.status == .badRequest, "\(query)")
                #expect(schemas.problems(bad.json, against: "ErrorResponse") == [])
            }
            let max = try await client.execute(uri: "/pixyle/main/v1/collections?size=20", method: .get, headers: auth)
            #expect(max.status == .ok)
        }
    }

    @Test func burstOfFiveUploadsInOneSecondGetsFour429s() async throws {
        try await withSandbox(try config()) { client in
            let auth = try await pixyleAuth(client)
            var statuses: [HTTPResponse.Status] = []
            var retryAfter: [String] = []
            for n in 1...5 {
                let r = try await pixyleUpload(client, auth, csv: "sku,image_url_1\nR-\(n),https://x/\(n).jpg\n")
                statuses.append(r.status)
                if r.status == .tooManyRequests { retryAfter.append(r.headers[.retryAfter] ?? "") }
            }
            #expect(statuses.filter { $0 == .ok }.count == 1)
            #expect(statuses.filter { $0 == .tooManyRequests }.count == 4)
            #expect(retryAfter.allSatisfy { Int($0) ?? 0 >= 1 })
            let s = try await stats(client, .pixyle)
            #expect(s["rate_limited_own"] == 4)
            #expect(s["rate_limited_injected"] == 0)
            #expect(s["requests"]?["POST /pixyle/main/v1/collections"] == 5)
        }
    }

    @Test func eleventhCollectionProcessingAtOnceIsForbidden() async throws {
        let configuration = try config {
            $0.pixyleUploadsPerSecond = 100
            $0.pixyleProcessingSeconds = 60
        }
        try await withSandbox(configuration) { client in
            let auth = try await pixyleAuth(client)
            for n in 1...10 {
                let r = try await pixyleUpload(client, auth, csv: "sku,image_url_1\nP-\(n),https://x/\(n).jpg\n")
                #expect(r.status == .ok)
            }
            let eleventh = try await pixyleUpload(client, auth, csv: "sku,image_url_1\nP-11,https://x/11.jpg\n")
            #expect(eleventh.status == .forbidden)
            #expect(eleventh.json["code"] == 403)
        }
    }
}

extension HTTPFields {
    func merging(_ other: HTTPFields) -> HTTPFields {
        var copy = self
        for field in other { copy[field.name] = field.value }
        return copy
    }
}
