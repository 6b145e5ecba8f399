public import Foundation

/// Scratch folders for tests: each call makes a new, empty folder under the system's temporary
/// directory (left in place, so a failing test's files can be looked at).
public enum TemporaryFolder {
    /// Creates a new empty folder named `<prefix>-<UUID>` and returns its path.
    public static func make(_ prefix: String = "catalog-etl-tests") -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.path
    }

    /// A path for a file named `name` in a new empty folder (see ``make(_:)``); the file is not created.
    public static func file(_ name: String, prefix: String = "catalog-etl-tests") -> String {
        make(prefix) + "/" + name
    }
}

/// Paths in the repository checkout the tests were built from.
public enum Repository {
    /// The repository root (for `samples/` and `pipelines/`), found from this source file.
    public static var root: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }
}

/// External programs some checks need (LibreOffice, Chromium, python3): a check whose tool is
/// missing skips with a printed reason instead of failing.
public enum ExternalTool {
    /// The first of `candidates` (absolute paths, or names looked up on `PATH`) that is an
    /// executable file, or nil.
    public static func find(_ candidates: [String]) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for candidate in candidates {
            if candidate.hasPrefix("/") {
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
                continue
            }
            for dir in path.split(separator: ":") {
                let full = "\(dir)/\(candidate)"
                if FileManager.default.isExecutableFile(atPath: full) { return full }
            }
        }
        return nil
    }

    /// Whether one of `candidates` is installed; when none is, prints why the check is skipped.
    ///
    /// With `CATALOG_ETL_REQUIRE_TOOLS` set (scripts/test sets it after scripts/setup installed every
    /// tool, so CI runs every check), always true: a missing tool then fails its check instead.
    public static func available(_ candidates: [String], for check: String) -> Bool {
        if find(candidates) != nil { return true }
        if ProcessInfo.processInfo.environment["CATALOG_ETL_REQUIRE_TOOLS"] != nil {
            print(
                "\(check) needs \(candidates.joined(separator: " or ")), which is not installed: "
                    + "running it anyway (CATALOG_ETL_REQUIRE_TOOLS)")
            return true
        }
        print("skipped: \(check) needs \(candidates.joined(separator: " or ")), which is not installed (scripts/setup)")
        return false
    }
}
