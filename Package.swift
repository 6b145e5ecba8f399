// swift-tools-version: 6.0
import PackageDescription

/// Strict settings shared by every Swift target (Swift 6 language mode comes with tools version 6.0).
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

/// The readers' and the dry run's hot loops (XLSX, OrderedJSON's writer, ETLCore) in release builds: without run-time
/// exclusivity checks (a `swift_beginAccess` for every access to a parser's buffer). Debug builds,
/// and so every test run, keep the checks.
let hot: [SwiftSetting] = strict + [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "catalog-etl",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "catalog-etl", targets: ["catalog-etl"]),
        .library(name: "ETLCore", targets: ["ETLCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.20.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.65.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        // Already in the graph through the HTTP stack; named here for its SHA-256.
        .package(url: "https://github.com/apple/swift-crypto", "3.0.0"..<"5.0.0"),
        // Already in the graph through the HTTP stack; named here for the run log's JSON handler
        // (`LogHandler.log(event:)` arrived in 1.16).
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),
        .systemLibrary(
            name: "CLibXML2", pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"]), .brew(["libxml2"])]),
        .target(name: "XLSX", dependencies: ["CZlib", "CLibXML2"], swiftSettings: hot),
        .target(name: "CPrefetch"),
        // The one JSON value (numbers as written, objects in order), its bounded parser and its writer,
        // shared by ETLCore and the sandbox; standard library only.
        .target(name: "OrderedJSON", swiftSettings: hot),
        .target(name: "CBuildInfo"),
        .target(
            name: "ETLCore",
            dependencies: [
                "XLSX",
                "OrderedJSON",
                "CPrefetch",
                .product(name: "Yams", package: "Yams"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: hot),
        .target(
            name: "Sandbox",
            dependencies: [
                "XLSX",
                "OrderedJSON",
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "catalog-etl",
            dependencies: [
                "ETLCore",
                "Sandbox",
                "OrderedJSON",
                "CBuildInfo",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // Test helpers shared by every test target: temporary folders, the binary runner, a test clock,
        // a scripted HTTP server, the one sandbox harness (in-process or the `catalog-etl sandbox`
        // process) and the stub transport. (SwiftPM links every test target into one test bundle, so
        // depending on the tool's modules here adds nothing to what the end-to-end tests link.)
        .target(
            name: "ETLTestSupport", dependencies: ["ETLCore", "Sandbox", "OrderedJSON"], path: "Tests/ETLTestSupport",
            swiftSettings: strict),
        .testTarget(
            name: "XLSXTests", dependencies: ["XLSX", "ETLTestSupport"], resources: [.copy("Fixtures")],
            swiftSettings: strict),
        .testTarget(
            name: "ETLCoreTests",
            dependencies: [
                "ETLCore", "OrderedJSON", "XLSX", "ETLTestSupport", .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: strict),
        .testTarget(
            name: "SandboxTests",
            dependencies: [
                "Sandbox",
                "OrderedJSON",
                "XLSX",
                "ETLTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: strict),
        .testTarget(name: "ETLEndToEndTests", dependencies: ["ETLTestSupport"], swiftSettings: strict),
        .testTarget(
            name: "UploadTests",
            dependencies: [
                "ETLCore", "Sandbox", "OrderedJSON", "ETLTestSupport",
                // The test-only stand-in (TestOnlyTargetStandInTests) declares its routes.
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: strict),
    ]
)
