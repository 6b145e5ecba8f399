import Foundation

/// Paths of committed fixtures for the ETLCore tests (scratch folders: `TemporaryFolder`).
enum Fixture {
    /// The absolute path of a file under `Fixtures/`.
    static func path(_ relative: String) -> String {
        guard let base = Bundle.module.resourceURL?.appendingPathComponent("Fixtures") else {
            fatalError("the test bundle has no Fixtures folder")
        }
        return base.appendingPathComponent(relative).path
    }
}
