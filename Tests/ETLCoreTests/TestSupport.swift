import Foundation

/// Paths of committed fixtures and scratch folders for the ETLCore tests.
enum Fixture {
    /// The absolute path of a file under `Fixtures/`.
    static func path(_ relative: String) -> String {
        guard let base = Bundle.module.resourceURL?.appendingPathComponent("Fixtures") else {
            fatalError("the test bundle has no Fixtures folder")
        }
        return base.appendingPathComponent(relative).path
    }

    /// A new empty temporary folder.
    static func tempDirectory() -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "catalog-etl-tests-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.path
    }

    /// The repository root (for samples/ and pipelines/), found from this source file.
    static var repositoryRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }
}
