import ETLTestSupport
import Testing

@testable import ETLCore

@Suite("pipeline files")
struct PipelineLoaderTests {
    func diagnostics(_ file: String, env: [String: String] = [:]) -> [ConfigDiagnostic] {
        do {
            _ = try PipelineLoader.load(path: Fixture.path("pipelines/\(file)"), environment: env)
            return []
        } catch let e as ConfigError {
            return e.diagnostics
        } catch {
            return [ConfigDiagnostic(file: file, line: nil, column: nil, message: "unexpected \(error)")]
        }
    }

    @Test func reportsEveryProblemWithLineColumnAndCaret() {
        let d = diagnostics("bad-keys.yaml")
        let messages = d.map(\.message)
        #expect(
            messages.contains { $0.contains("unknown key \"heder_row\"") && $0.contains("did you mean \"header_row\"") }
        )
        #expect(
            messages.contains {
                $0.contains("unknown stage kind \"normalize\"") && $0.contains("did you mean \"normalise\"")
            })
        #expect(
            messages.contains {
                $0.contains("unknown target rule set \"sartiq.product_creat\"") && $0.contains("sartiq.product_create")
            })
        #expect(messages.contains { $0.contains("\"[A-Z\" is not a valid regular expression") })
        #expect(messages.contains { $0.contains("must use https") })
        #expect(messages.contains { $0.contains("CATALOG_ETL_TEST_UNSET_TOKEN is not set") })
        let heder = d.first { $0.message.contains("heder_row") }
        #expect(heder?.line == 5)
        #expect(heder?.column == 7)
        #expect(heder?.description.hasSuffix("      heder_row: 2\n      ^") == true)
    }

    @Test func checksThatTheMappingFillsRequiredFields() {
        let d = diagnostics("missing-required.yaml")
        #expect(d.count == 1)
        #expect(d.first?.message.contains("\"cover_image\"") == true)
        #expect(d.first?.message.contains("sartiq.product_create requires") == true)
    }

    @Test func reportsWrongTypesAndValues() {
        let messages = diagnostics("types.yaml").map(\.message)
        #expect(messages.contains("read.header_row must be a whole number; found \"one\""))
        #expect(messages.contains { $0.contains("as \"int\" is not valid; did you mean \"integer\"?") })
    }

    @Test func resolvesPathsAgainstThePipelineFile() throws {
        let p = try PipelineLoader.load(path: Fixture.path("pipelines/tiny-sartiq.yaml"), environment: [:])
        #expect(p.read.path.hasSuffix("Fixtures/pipeline-data/tiny.csv"))
        #expect(PipelineLoader.resolve("../samples/a.xlsx", against: "pipelines") == "samples/a.xlsx")
        #expect(PipelineLoader.resolve("../../a.csv", against: "p") == "../a.csv")
        #expect(PipelineLoader.resolve("/abs/a.csv", against: "p") == "/abs/a.csv")
        #expect(p.normalise?.fields.count == 14)
        #expect(p.validate?.ruleSets.first?.qualified == "sartiq.product_create")
        #expect(p.normalise?.unmapped == .into("brand_metadata"))
    }

    @Test func loadsEverySamplePipeline() throws {
        for name in ["sartiq", "pixyle", "mixpeek", "wickson", "scenario"] {
            let p = try PipelineLoader.load(
                path: Repository.root + "/pipelines/ss26-\(name).yaml", environment: [:])
            #expect(p.upload?.target.rawValue == name)
            #expect(p.upload?.endpoint == "sandbox")
        }
    }
}

@Suite("environment interpolation")
struct InterpolationTests {
    let env = ["TOKEN": "s3cret", "EMPTY": ""]

    @Test func expandsVariablesDefaultsAndLiterals() throws {
        #expect(try Interpolation.expand("Bearer ${TOKEN}", environment: env).0 == "Bearer s3cret")
        #expect(try Interpolation.expand("${MISSING:-sandbox}", environment: env).0 == "sandbox")
        #expect(try Interpolation.expand("${EMPTY:-fallback}", environment: env).0 == "fallback")
        #expect(try Interpolation.expand("costs $$5", environment: env).0 == "costs $5")
        #expect(try Interpolation.expand("plain", environment: env) == ("plain", false))
        #expect(try Interpolation.expand("${TOKEN}", environment: env).1)
    }

    @Test func namesTheMissingVariable() {
        #expect {
            try Interpolation.expand("${SARTIQ_TOKEN}", environment: env)
        } throws: { e in
            (e as? Interpolation.Failure)?.variable == "SARTIQ_TOKEN"
                && (e as? Interpolation.Failure)?.message.contains("SARTIQ_TOKEN is not set") == true
        }
        #expect {
            try Interpolation.expand("${KEY:?ask the team for the staging key}", environment: env)
        } throws: { e in
            (e as? Interpolation.Failure)?.message.hasSuffix("ask the team for the staging key") == true
        }
        #expect(throws: Interpolation.Failure.self) { try Interpolation.expand("${UNCLOSED", environment: env) }
    }
}
