import ETLTestSupport
import Foundation
import OrderedJSON
import Testing

@testable import ETLCore

@Suite("no silent nulls")
struct NoSilentNullTests {
    func load(_ name: String) throws -> Pipeline {
        try PipelineLoader.load(path: Fixture.path("pipelines/\(name)"), environment: [:])
    }

    func dryRun(_ p: Pipeline) throws -> RunResult {
        var o = RunOptions()
        o.outputRoot = TemporaryFolder.make()
        return try PipelineRunner.dryRun(p, options: o)
    }

    @Test func everyMisspeltColumnIsReportedWithItsPlaceAndASuggestion() throws {
        let p = try load("misspelt.yaml")
        let columns = try ColumnCheck.columns(of: p.read.path, options: p.read.options)
        let problems = ColumnCheck.problems(p, columns: columns, input: p.read.path)
        #expect(problems.count == 3, "\(problems.map(\.description))")
        let by = try #require(problems.first { $0.message.contains("\"Handel\"") })
        #expect(by.message.contains("group.by"))
        #expect(by.message.contains("did you mean \"Handle\"?"))
        #expect(by.line == 8)
        #expect(by.column == 11)
        let title = try #require(problems.first { $0.message.contains("\"Titel\"") })
        #expect(title.message.contains("did you mean \"Title\"?"))
        #expect(title.line == 13)
        #expect(title.description.hasPrefix(p.file + ":13:15: "))
        #expect(problems.contains { $0.message.contains("\"Bodyy\"") && $0.message.contains("coalesce") })
    }

    @Test func aTemplateWrittenAsAColumnNameSaysHowATemplateIsWritten() throws {
        let p = try load("template-as-column.yaml")
        let columns = try ColumnCheck.columns(of: p.read.path, options: p.read.options)
        let problems = ColumnCheck.problems(p, columns: columns, input: p.read.path)
        #expect(problems.count == 1, "\(problems.map(\.description))")
        #expect(problems.first?.message.contains("a template is written { template: \"{Vendor} {Title}\" }") == true)
        #expect(problems.first?.line == 10)
    }

    @Test func aRunStopsWithExit2BeforeReadingAnyRow() throws {
        let p = try load("misspelt.yaml")
        var o = RunOptions()
        o.outputRoot = TemporaryFolder.make()
        let error = #expect(throws: ConfigError.self) { try PipelineRunner.dryRun(p, options: o) }
        #expect(error?.diagnostics.count == 3)
        #expect(PipelineRunner.exitCode(for: error as (any Error)? ?? RunFailure(message: "", exitCode: 0)) == 2)
    }

    @Test func anInputFileGivenInsteadIsCheckedToo() throws {
        let p = try load("group-sartiq.yaml")
        let other = try ColumnCheck.columns(of: Fixture.path("group/sizes.csv"), options: ReadOptions())
        let problems = ColumnCheck.problems(p, columns: other, input: "sizes.csv")
        #expect(problems.contains { $0.message.contains("\"Handle\"") && $0.message.contains("sizes.csv") })
        var o = RunOptions()
        o.outputRoot = TemporaryFolder.make()
        o.inputOverride = Fixture.path("group/sizes.csv")
        #expect(throws: ConfigError.self) { try PipelineRunner.dryRun(p, options: o) }
    }

    @Test func aFieldTheTargetDoesNotHaveIsAnErrorWithASuggestion() throws {
        let error = #expect(throws: ConfigError.self) { try load("unknown-field.yaml") }
        let d = try #require(error?.diagnostics.first)
        #expect(d.message.contains("sartiq has no field \"colour_name\""))
        #expect(d.message.contains("did you mean \"colour\"?"))
        #expect(d.line == 11)
        #expect(d.column == 9)
    }

    @Test func aMisspeltColumnIsReportedBesideAnUnknownTargetField() throws {
        let error = #expect(throws: ConfigError.self) { try load("unknown-field-and-column.yaml") }
        let loaded = try #require(error)
        // The loader reports the target field; the column needs the pipeline, which the error carries.
        #expect(loaded.diagnostics.count == 1)
        #expect(loaded.partial != nil)
        let both = ColumnCheck.adding(to: loaded, input: nil)
        #expect(both.diagnostics.count == 2, "\(both.description)")
        #expect(both.diagnostics.map(\.line) == [9, 11])
        #expect(both.diagnostics.first?.message.contains("\"Titel\"") == true)
        #expect(both.diagnostics.first?.message.contains("did you mean \"Title\"?") == true)
        #expect(both.diagnostics.last?.message.contains("sartiq has no field \"colour_name\"") == true)
        // An error without a pipeline is returned as it is.
        #expect(ColumnCheck.adding(to: ConfigError(loaded.diagnostics), input: nil) == loaded)
    }

    @Test func targetsThatTakeFreeFormFieldsAcceptAnyName() throws {
        let dir = TemporaryFolder.make()
        let path = dir + "/p.yaml"
        try """
        name: free
        stages:
          - read: { path: \(Fixture.path("group/products.csv")) }
          - normalise:
              fields: { sku: Handle, image_url_1: Image, colour_name: Vendor }
          - validate: { against: pixyle }
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let p = try PipelineLoader.load(path: path, environment: [:])
        #expect(p.normalise?.fields.map(\.name).contains("colour_name") == true)
        #expect(TargetRuleSet.pixyleUpload.freeFormFields)
        #expect(TargetRuleSet.mixpeekObject.freeFormFields)
        #expect(!TargetRuleSet.sartiqCreate.freeFormFields)
    }

    @Test func aDateFormatWhoseSwapReadsEveryValueStopsTheRun() throws {
        let p = try load("swapped-date.yaml")
        let error = #expect(throws: ConfigError.self) { try dryRun(p) }
        let d = try #require(error?.diagnostics.first)
        #expect(d.message.contains("date_format: dd/MM/yyyy"), "\(d.message)")
        #expect(d.message.contains("\"in_store_date\""))
        #expect(d.line == 10)
    }

    @Test func truncateMaxTakesTheTargetsDocumentedLimit() throws {
        let dir = TemporaryFolder.make()
        let path = dir + "/p.yaml"
        try """
        name: trunc
        stages:
          - read: { path: \(Fixture.path("group/products.csv")) }
          - normalise:
              fields: { name: { from: Title, truncate: max }, cover_image: Image, brand: { from: Vendor, truncate: max } }
          - validate: { against: sartiq }
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let p = try PipelineLoader.load(path: path, environment: [:])
        #expect(p.normalise?.fields[0].truncate == .length(255))
        #expect(p.normalise?.fields[2].truncate == .length(1000))
        try """
        name: trunc
        stages:
          - read: { path: \(Fixture.path("group/products.csv")) }
          - normalise:
              fields: { name: Title, cover_image: { from: Image, truncate: max } }
          - validate: { against: sartiq }
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let error = #expect(throws: ConfigError.self) { try PipelineLoader.load(path: path, environment: [:]) }
        #expect(error?.diagnostics.first?.message.contains("truncate: max") == true)
    }

    @Test func theReportSaysEveryValueWasFoundOnlyWhenItIsTrue() throws {
        let result = try dryRun(try load("group-sartiq.yaml"))
        let html = try String(contentsOfFile: result.runDirectory + "/report.html", encoding: .utf8)
        #expect(!html.contains("every mapped value was found"))
        #expect(html.contains("<h2>Mapping</h2>"))
        let summary = try JSONValue.parse(
            String(contentsOfFile: result.runDirectory + "/summary.json", encoding: .utf8))
        let mapping = summary["mapping"]?.arrayValue ?? []
        let name = try #require(mapping.first { $0["field"] == .string("name") })
        // tee and bag have a Title; the record without a Handle has one too (Orphan).
        #expect(name["mapped"] == .int(3))
        let cover = try #require(mapping.first { $0["field"] == .string("cover_image") })
        #expect(cover["empty"] == .int(2))
    }

    @Test func itemWithoutSplitNeedsACollectedColumn() throws {
        let dir = TemporaryFolder.make()
        let path = dir + "/p.yaml"
        try """
        name: item
        stages:
          - read: { path: \(Fixture.path("group/products.csv")) }
          - normalise:
              fields: { cover: { from: Image, item: 1 } }
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let error = #expect(throws: ConfigError.self) { try PipelineLoader.load(path: path, environment: [:]) }
        #expect(error?.diagnostics.first?.message.contains("collect the column") == true)
    }
}
