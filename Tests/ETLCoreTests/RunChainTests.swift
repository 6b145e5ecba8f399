import Foundation
import Testing

@testable import ETLCore

@Suite("run chain")
struct RunChainTests {
    /// The stage kinds a pipeline file lists, in its order, read from its text (`  - kind:` lines).
    func stageKinds(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").compactMap { line in
            guard line.hasPrefix("  - "), let colon = line.firstIndex(of: ":") else { return nil }
            return String(line[line.index(line.startIndex, offsetBy: 4)..<colon])
        }
    }

    @Test(arguments: [
        "group-sartiq.yaml", "explode-filter.yaml", "tiny-sartiq.yaml", "explode-upload-reconcile.yaml",
    ])
    func mapsTheFileStagesOneToOneInOrderThenReports(_ file: String) throws {
        let path = Fixture.path("pipelines/\(file)")
        let pipeline = try PipelineLoader.load(path: path, environment: [:])
        let chain = RunChain(pipeline)
        #expect(chain.names == (try stageKinds(path)) + ["report"])
    }

    @Test func namesEachStepTypeAfterItsStage() throws {
        let pipeline = try PipelineLoader.load(
            path: Fixture.path("pipelines/explode-upload-reconcile.yaml"), environment: [:])
        let chain = RunChain(pipeline)
        #expect(
            chain.steps.map { String(describing: type(of: $0)) } == [
                "ReadStep", "RowStep", "RowStep", "NormaliseStep", "ValidateStep", "UploadStep", "ExportStep",
                "ReconcileStep", "ReportStep",
            ])
        #expect(chain.serviceSteps.map(\.name) == ["upload", "export", "reconcile"])
    }

    @Test func aDryRunOnlyPipelineHasNoServiceSteps() throws {
        let pipeline = try PipelineLoader.load(path: Fixture.path("pipelines/tiny-sartiq.yaml"), environment: [:])
        let chain = RunChain(pipeline)
        #expect(chain.serviceSteps.isEmpty)
        #expect(chain.names == ["read", "normalise", "validate", "report"])
    }
}
