import ETLTestSupport
import Foundation
import Testing

@testable import ETLCore

/// A pipeline file written to a temporary folder, with the tiny fixture's data next to it.
enum PipelineText {
    static func write(_ yaml: String, name: String = "p.yaml") throws -> String {
        let dir = TemporaryFolder.make()
        let path = dir + "/" + name
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A valid Sartiq pipeline over the tiny fixture with `upload` lines appended.
    static func sartiq(upload: String) -> String {
        """
        name: guard-test
        stages:
          - read: { path: \(Fixture.path("pipeline-data/tiny.csv")), key: SKU }
          - normalise:
              fields: { sku: SKU, name: Style Name, cover_image: Cover Image, reference_images: { from: Gallery, split: "|" } }
          - validate: { against: sartiq.product_create, unique: [sku] }
          - upload:
        \(upload)
        """
    }

    static func diagnostics(_ yaml: String, env: [String: String] = [:]) throws -> [ConfigDiagnostic] {
        do {
            _ = try PipelineLoader.load(path: try write(yaml), environment: env)
            return []
        } catch let e as ConfigError {
            return e.diagnostics
        }
    }
}

@Suite("YAML anchors and aliases")
struct YAMLGuardTests {
    @Test func findsAnchorsAndAliasesWhereANodeStarts() {
        let cases: [(String, Int, Int, Bool)] = [
            ("a: &x 1\nb: *x\n", 1, 4, false),
            ("a: 1\nb: *x\n", 2, 4, true),
            ("- &x [1, 2]\n", 1, 3, false),
            ("a: [1, *x]\n", 1, 8, true),
            ("a: {k: *x}\n", 1, 8, true),
            ("a: !!str &x v\n", 1, 10, false),
            ("a: [!t,&x v]\n", 1, 8, false),
            ("<<: *base\n", 1, 5, true),
            ("--- &doc\na: 1\n", 1, 5, false),
            ("? *k\n: v\n", 1, 3, true),
            ("a:\n  - b: 1\n    c: *x\n", 3, 8, true),
            // A key after a block scalar whose content is more indented than the key.
            ("- key: |\n    text *not\n  other: *x\n", 3, 10, true),
            // A quote on a continuation line inside a flow collection is plain text to YAML.
            ("a: [x\n 'y, &a [1, 1], 'z']\n", 2, 6, false),
            // A quoted scalar not closed on its line is scanned, not skipped.
            ("a: [\"x\n , *a]\n", 2, 4, true),
            ("a: 'x'\nb: é &e\né: *c\n", 3, 4, true),
        ]
        for (text, line, column, alias) in cases {
            #expect(
                YAMLGuard.firstAnchorOrAlias(in: text)
                    == YAMLGuard.Finding(line: line, column: column, isAlias: alias), "\(text)")
        }
    }

    @Test func leavesAmpersandsAndStarsInsideValuesAlone() throws {
        let fine = [
            "name: Smith & Co\n", "name: Bonnie &Clyde\n", "t: \"*new* & &x\"\n", "t: '&a *b'\n",
            "t: 5 *2\n", "d: |\n  *bold* and &amp;\n  - *x\n  &y\nnext: 1\n", "d: >-\n  *a\n\n  *b\ne: 2\n",
            "a: b # *not an alias\n", "p: '^[A-Z]*$'\n", "m: { W: FEMALE, x: \"a, *b\" }\n", "s: a*b&c\n",
        ]
        for text in fine { #expect(YAMLGuard.firstAnchorOrAlias(in: text) == nil, "\(text)") }
        for name in ["sartiq", "pixyle", "mixpeek", "wickson", "scenario"] {
            let text = try String(
                contentsOfFile: Repository.root + "/pipelines/ss26-\(name).yaml", encoding: .utf8)
            #expect(YAMLGuard.firstAnchorOrAlias(in: text) == nil, "\(name)")
        }
    }

    /// Nine levels of nine aliases: 9⁹ scalars once expanded.
    static let bomb: String = {
        var lines = ["name: bomb", "a0: &a0 [x, x, x, x, x, x, x, x, x]"]
        for level in 1...8 {
            let refs = Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ", ")
            lines.append("a\(level): &a\(level) [\(refs)]")
        }
        lines.append("stages: [*a8]")
        return lines.joined(separator: "\n") + "\n"
    }()

    @Test func refusesAnAliasBombBeforeExpandingIt() throws {
        let started = Date()
        let d = try PipelineText.diagnostics(Self.bomb)
        #expect(Date().timeIntervalSince(started) < 1)
        #expect(d.count == 1)
        #expect(d.first?.line == 2)
        #expect(d.first?.column == 5)
        #expect(d.first?.message.contains("anchors (&name) are not allowed") == true)
    }
}

@Suite("pipeline file limits")
struct PipelineFileLimitTests {
    @Test func refusesAFileOverOneMebibyte() throws {
        let yaml = "name: big\n# " + String(repeating: "x", count: 1 << 20) + "\nstages: []\n"
        let d = try PipelineText.diagnostics(yaml)
        #expect(d.count == 1)
        #expect(d.first?.message.contains("at most 1 MiB") == true)
    }

    @Test func refusesAFIFOAtOnce() throws {
        let path = TemporaryFolder.make() + "/p.yaml"
        #expect(mkfifo(path, 0o600) == 0)
        let started = Date()
        #expect {
            try PipelineLoader.load(path: path, environment: [:])
        } throws: { e in
            (e as? ConfigError)?.description.contains("not a regular file (a FIFO (named pipe))") == true
        }
        #expect(Date().timeIntervalSince(started) < 1)
    }
}

@Suite("upload endpoints")
struct EndpointTests {
    @Test func decidesLoopbackByTheParsedHost() throws {
        for host in ["localhost", "LOCALHOST", "127.0.0.1", "127.255.10.3", "::1"] {
            #expect(Endpoint.isLoopbackHost(host), "\(host)")
        }
        for host in [
            "127.attacker.example", "127.0.0.1.nip.io", "128.0.0.1", "127.0.0", "127.0.0.256", "127.0.0.1a",
            "localhost.example", "0x7f.0.0.1", "::2", "",
        ] {
            #expect(!Endpoint.isLoopbackHost(host), "\(host)")
        }
        #expect(
            try Endpoint.parse("http://[::1]:8089/sartiq").get() == Endpoint(scheme: "http", host: "::1", port: 8089))
        #expect(try Endpoint.parse("https://api.sartiq.com").get().port == nil)
    }

    @Test func refusesPortsOutsideTheRange() throws {
        for bad in [
            "http://127.0.0.1:0/", "http://127.0.0.1:65536/", "http://localhost:99999999999999999999/x",
            "http://localhost:80a/", "http://localhost:/", "http://localhost:-1/",
        ] {
            guard case .failure(let p) = Endpoint.parse(bad) else {
                Issue.record("\(bad) was accepted")
                continue
            }
            #expect(p.message.contains("port") || p.message.contains("host"), "\(bad)")
        }
        #expect(try Endpoint.parse("http://127.0.0.1:65535/").get().port == 65535)
    }

    @Test func checkRefusesPlainHTTPToANameThatLooksLikeLoopback() throws {
        let d = try PipelineText.diagnostics(
            PipelineText.sartiq(
                upload: """
                          target: sartiq
                          endpoint: http://127.attacker.example/sartiq
                          password: ${P}
                    """), env: ["P": "x"])
        #expect(d.count == 1)
        #expect(d.first?.message.contains("must use https") == true)
        #expect(d.first?.message.contains("\"127.attacker.example\" is not") == true)
        #expect(d.first?.line == 9)
        let port = try PipelineText.diagnostics(
            PipelineText.sartiq(
                upload: """
                          target: sartiq
                          endpoint: http://127.0.0.1:70000/sartiq
                    """))
        #expect(
            port.map(\.message) == [
                "upload.endpoint \"http://127.0.0.1:70000/sartiq\" has the port \"70000\"; a port is a number from 1 to 65535"
            ])
        let ok = try PipelineText.diagnostics(
            PipelineText.sartiq(
                upload: """
                          target: sartiq
                          endpoint: http://127.0.0.1:8089/sartiq
                    """))
        #expect(ok.isEmpty)
    }
}

@Suite("secrets written in the pipeline file")
struct LiteralSecretTests {
    func warnings(_ upload: String, env: [String: String] = [:]) throws -> [ConfigDiagnostic] {
        try PipelineLoader.load(path: try PipelineText.write(PipelineText.sartiq(upload: upload)), environment: env)
            .warnings
    }

    @Test func warnsAboutALiteralSecretWithItsPlace() throws {
        let w = try warnings(
            """
                  target: sartiq
                  username: demo@example.com
                  password: hunter2
                  token: ${TOKEN}
            """, env: ["TOKEN": "t"])
        #expect(w.count == 1)
        #expect(w.first?.line == 10)
        #expect(w.first?.column == 17)
        #expect(w.first?.message.hasPrefix("warning: upload.password is written in the pipeline file") == true)
        #expect(w.first?.description.contains("hunter2") == false)
    }

    @Test func acceptsSandboxDefaultsButNotDefaultsSentToARealService() throws {
        let sandboxDefault = """
                  target: sartiq
                  endpoint: ${URL:-sandbox}
                  password: ${PASSWORD:-sandbox}
            """
        #expect(try warnings(sandboxDefault).isEmpty)
        #expect(try warnings(sandboxDefault, env: ["URL": "http://127.0.0.1:8089/sartiq"]).isEmpty)
        #expect(try warnings(sandboxDefault, env: ["URL": "https://api.sartiq.com", "PASSWORD": "p"]).isEmpty)
        let real = try warnings(sandboxDefault, env: ["URL": "https://api.sartiq.com"])
        #expect(real.count == 1)
        #expect(real.first?.message.contains("comes from the default written in the pipeline file") == true)
        for name in ["sartiq", "pixyle", "mixpeek", "wickson", "scenario"] {
            let p = try PipelineLoader.load(
                path: Repository.root + "/pipelines/ss26-\(name).yaml", environment: [:])
            #expect(p.warnings.isEmpty, "\(name)")
        }
    }
}

@Suite("validate.max_quarantined")
struct MaxQuarantinedTests {
    @Test func setsTheExitCodeThreshold() throws {
        let base = try String(contentsOfFile: Fixture.path("pipelines/tiny-sartiq.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "../pipeline-data/tiny.csv", with: Fixture.path("pipeline-data/tiny.csv"))
            .replacingOccurrences(of: "../lookup/categories.csv", with: Fixture.path("lookup/categories.csv"))
        for (limit, exit) in [(nil, Int32(1)), (3, 1), (4, 0), (100, 0)] as [(Int?, Int32)] {
            let text =
                limit.map {
                    base.replacingOccurrences(
                        of: "      unique: [sku]", with: "      unique: [sku]\n      max_quarantined: \($0)")
                } ?? base
            let p = try PipelineLoader.load(path: try PipelineText.write(text), environment: [:])
            #expect(p.validate?.maxQuarantined == limit ?? 0)
            var o = RunOptions()
            o.outputRoot = TemporaryFolder.make()
            let r = try PipelineRunner.dryRun(p, options: o)
            #expect(r.summary.rowsQuarantined == 4)
            #expect(r.exitCode == exit, "max_quarantined \(limit ?? 0)")
        }
        let bad = try PipelineText.diagnostics(
            base.replacingOccurrences(of: "      unique: [sku]", with: "      unique: [sku]\n      max_quarantined: -1")
        )
        #expect(bad.map(\.message) == ["validate.max_quarantined must be between 0 and \(Int.max); found -1"])
    }
}
