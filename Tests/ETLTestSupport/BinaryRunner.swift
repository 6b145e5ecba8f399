public import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs the built `catalog-etl` binary (or another program) with arguments, environment and a
/// working directory, and captures its standard output, standard error and exit status. Output goes
/// to files, never pipes, so a chatty process cannot block on a full pipe.
public enum BinaryRunner {
    /// What a finished process printed and how it ended.
    public struct Output: Sendable {
        /// The exit status (or the signal's number when a signal ended it).
        public var status: Int32
        /// Everything written to standard output.
        public var stdout: String
        /// Everything written to standard error.
        public var stderr: String

        /// An output with the given parts.
        public init(status: Int32, stdout: String, stderr: String) {
            self.status = status
            self.stdout = stdout
            self.stderr = stderr
        }
    }

    /// The repository root (the default working directory).
    public static var repositoryRoot: String { Repository.root }

    /// The `catalog-etl` binary next to the test bundle (`swift build --build-tests` builds it there),
    /// else `.build/debug/catalog-etl`.
    public static var path: String {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("catalog-etl").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return repositoryRoot + "/.build/debug/catalog-etl"
    }

    /// A started process; ``wait()`` suspends (it never blocks a thread: an in-process sandbox needs them).
    public final class Running: @unchecked Sendable {
        /// The process (for its identifier and status).
        public let process = Process()
        private let lock = NSLock()
        private var done = false
        private var waiters: [CheckedContinuation<Void, Never>] = []

        fileprivate init() {}

        fileprivate func exited() {
            let w: [CheckedContinuation<Void, Never>] = lock.withLock {
                done = true
                defer { waiters = [] }
                return waiters
            }
            for c in w { c.resume() }
        }

        /// Suspends until the process has exited.
        public func wait() async {
            await withCheckedContinuation { c in
                let now: Bool = lock.withLock {
                    if done { return true }
                    waiters.append(c)
                    return false
                }
                if now { c.resume() }
            }
        }
    }

    /// A process for `executable` with the environment (added to this one's) and working directory set,
    /// and stdout/stderr going to `capture.out` / `capture.err`.
    private static func process(
        _ process: Process, executable: String, _ arguments: [String], environment: [String: String],
        directory: String?, capture: String
    ) {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory ?? repositoryRoot)
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        _ = FileManager.default.createFile(atPath: capture + ".out", contents: nil)
        _ = FileManager.default.createFile(atPath: capture + ".err", contents: nil)
        process.standardOutput = FileHandle(forWritingAtPath: capture + ".out")
        process.standardError = FileHandle(forWritingAtPath: capture + ".err")
    }

    private static func output(_ process: Process, capture: String) -> Output {
        Output(
            status: process.terminationStatus,
            stdout: (try? String(contentsOfFile: capture + ".out", encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: capture + ".err", encoding: .utf8)) ?? "")
    }

    /// Runs `executable` (the binary unless given) and blocks until it exits.
    public static func run(
        _ arguments: [String], environment: [String: String] = [:], directory: String? = nil,
        executable: String? = nil
    ) throws -> Output {
        let capture = TemporaryFolder.make("catalog-etl-run") + "/capture"
        let p = Process()
        process(
            p, executable: executable ?? path, arguments, environment: environment, directory: directory,
            capture: capture)
        try p.run()
        p.waitUntilExit()
        return output(p, capture: capture)
    }

    /// Runs the binary with a deadline: a process still running after `seconds` is killed (and its
    /// status is the signal's), so a command that blocks fails the test instead of hanging it. With
    /// `shell`, the arguments are joined into one `/bin/sh -c` command line.
    public static func run(within seconds: Double, _ arguments: [String], shell: Bool = false) throws -> (
        output: Output, seconds: Double
    ) {
        let capture = TemporaryFolder.make("catalog-etl-run") + "/capture"
        let p = Process()
        if shell {
            process(
                p, executable: "/bin/sh", ["-c", arguments.joined(separator: " "), "sh"], environment: [:],
                directory: nil, capture: capture)
        } else {
            process(p, executable: path, arguments, environment: [:], directory: nil, capture: capture)
        }
        let started = Date()
        try p.run()
        while p.isRunning && Date().timeIntervalSince(started) < seconds { usleep(10_000) }
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        return (output(p, capture: capture), Date().timeIntervalSince(started))
    }

    /// Runs another program from the repository root and returns its standard output.
    public static func runProgram(_ executable: String, _ arguments: [String], environment: [String: String] = [:])
        throws -> String
    {
        try run(arguments, environment: environment, executable: executable).stdout
    }

    /// Starts the binary with stdout and stderr in `capture.out` / `capture.err`.
    public static func start(
        _ arguments: [String], environment: [String: String], directory: String? = nil, capture: String
    ) throws -> Running {
        let running = Running()
        let p = running.process
        process(p, executable: path, arguments, environment: environment, directory: directory, capture: capture)
        p.terminationHandler = { _ in running.exited() }
        try p.run()
        return running
    }

    /// Runs the binary and suspends (without blocking a thread) until it exits.
    public static func runAsync(
        _ arguments: [String], environment: [String: String] = [:], directory: String? = nil
    ) async throws -> Output {
        let capture = TemporaryFolder.make("catalog-etl-run") + "/capture"
        let running = try start(arguments, environment: environment, directory: directory, capture: capture)
        await running.wait()
        return output(running.process, capture: capture)
    }
}
