import ArgumentParser
import ETLCore
import Foundation
import Sandbox

/// `catalog-etl sandbox`: serves the registered stand-ins on one loopback port.
struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract:
            "Serve local stand-ins of \(TargetService.prose(SandboxService.allCases.map { TargetService(rawValue: $0.rawValue)?.displayName ?? $0.rawValue }, conjunction: "and")) on a loopback port.",
        discussion: """
            Runs until SIGINT or SIGTERM. Statistics: GET /_sandbox/stats. Faults: \
            --faults 'sartiq:429=0.1,5xx=0.05,reset=0.01,timeout=0.01,latency=50-150ms;pixyle:429=0.2'. \
            Planting: --plant 'sartiq:mutate=3,drop=2,extra=1,duplicate=1'.
            """)

    @Option(help: "The port to listen on (127.0.0.1 only; 0 picks a free port).")
    var port: Int = 8089

    @Option(
        help: """
            The services to serve: all, or a comma-separated list of \
            \(SandboxService.allCases.map(\.rawValue).joined(separator: ", ")).
            """)
    var services: String = "all"

    @Option(
        help:
            "Injected faults per service: service:knob=value,...;service2:... (knobs 429, 5xx, reset, timeout, latency)."
    )
    var faults: String?

    @Option(help: "Planted differences per service: service:mutate=N,drop=N,extra=N,duplicate=N;...")
    var plant: String?

    @Option(help: "The seed of faults and planting, so that a run can be replayed.")
    var seed: UInt64 = 1

    @Option(help: "A folder that keeps the sandbox state across restarts (JSON files, written atomically).")
    var state: String?

    @Option(
        name: .customLong("setting"),
        help:
            "Change a limit or delay: NAME=VALUE, repeatable (e.g. sartiqRequestsPerSecond=10, pixyleProcessingSeconds=0)."
    )
    var settings: [String] = []

    func validate() throws {
        guard (0...65_535).contains(port) else {
            throw ValidationError("--port: \(port) is not a port; choose 0 to 65535")
        }
        _ = try makeConfiguration()
    }

    func makeConfiguration() throws -> SandboxConfiguration {
        do {
            return SandboxConfiguration(
                port: port, services: try SandboxService.parseList(services),
                faults: try faults.map(FaultSpec.parse) ?? FaultSpec(),
                plant: try plant.map(PlantSpec.parse) ?? PlantSpec(), seed: seed, stateDirectory: state,
                settings: try SandboxSettings.parse(settings))
        } catch let error as SandboxSpecError {
            throw ValidationError(error.message)
        }
    }

    func run() async throws {
        let configuration = try makeConfiguration()
        do {
            try await SandboxServer.run(configuration) { port in
                var lines = ["catalog-etl sandbox listening on http://\(configuration.host):\(port) (Ctrl-C stops it)"]
                for service in configuration.services.sorted() {
                    lines.append(
                        "  \(service.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0))"
                            + "http://\(configuration.host):\(port)\(service.prefix)   \(service.credentialsDescription)"
                    )
                }
                lines.append("  stats    http://\(configuration.host):\(port)/_sandbox/stats")
                FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
            }
        } catch let error as SandboxSpecError {
            throw CommandFailure(message: error.message, exitCode: 2)
        } catch {
            throw CommandFailure(
                message: "sandbox: cannot serve on \(configuration.host):\(configuration.port) (\(error)); "
                    + "choose another --port or stop the process that holds it",
                exitCode: 2)
        }
    }
}
