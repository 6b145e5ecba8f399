import ETLCore
import ETLTestSupport
import Foundation
import OrderedJSON
import Testing

/// The binary against a misbehaving loopback server: one that echoes secrets back in its error
/// bodies, one that asks for waits of days, one that drips its answers.
@Suite("hostile services: echoed secrets, long Retry-After, dripping bodies")
struct HostileServiceTests {
    /// `pipelines/ss26-sartiq.yaml` with `lines` added to its upload stage, written under `dir`.
    static func pipeline(in dir: String, adding lines: String) throws -> String {
        let text = try String(contentsOfFile: Repository.root + "/pipelines/ss26-sartiq.yaml", encoding: .utf8)
        let anchor = "      concurrency: 4\n"
        #expect(text.contains(anchor))
        let path = dir + "/ss26-sartiq.yaml"
        try text.replacingOccurrences(of: anchor, with: anchor + lines).write(
            toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The first `rows` records of the sample catalog, as JSON Lines under `dir`.
    static func smallInput(in dir: String, rows: Int) throws -> String {
        let text = try String(
            contentsOfFile: Repository.root + "/samples/ss26-womenswear.jsonl", encoding: .utf8)
        let path = dir + "/small.jsonl"
        try text.split(separator: "\n").prefix(rows).joined(separator: "\n").write(
            toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func environment(_ server: MisbehavingServer, password: String = "sandbox") -> [String: String] {
        [
            "SARTIQ_URL": server.baseURL, "SARTIQ_USERNAME": "canary-user@example.com", "SARTIQ_PASSWORD": password,
            "SARTIQ_RATE": "50/s",
        ]
    }

    // MARK: - Echoed secrets

    /// A JSON string literal of `s` escaped the way some servers do: `/` as `\/`, `@` and every
    /// non-ASCII character as `\uXXXX`.
    static func jsonString(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "/": out += "\\/"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            default:
                if u.value < 0x20 || u == "@" || u.value > 0x7E {
                    for unit in String(u).utf16 { out += String(format: "\\u%04x", unit) }
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }

    static func base64(_ s: String) -> String { Data(s.utf8).base64EncodedString() }

    /// `s` percent-encoded (everything but letters and digits), hex in lower case, a space as `+`.
    static func formPlus(_ s: String) -> String {
        var out = ""
        for byte in s.utf8 {
            if byte == 0x20 {
                out += "+"
            } else if (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) {
                out.unicodeScalars.append(UnicodeScalar(byte))
            } else {
                out += String(format: "%%%02x", byte)
            }
        }
        return out
    }

    /// What a careless server echoes: the request's head and body, plus the password and the
    /// Authorization header in the other forms a body may hold them in.
    static func echo(_ r: MisbehavingServer.Request) -> String {
        var parts: [String] = []
        if let auth = r.header("Authorization") {
            parts += ["auth: \(auth)", "auth-b64: \(base64(auth))", "auth-url: \(formPlus(auth))"]
        }
        if let password = r.form["password"] {
            let user = r.form["username"] ?? ""
            parts += [
                "pw-form: \(formPlus(password))", "basic: Basic \(base64(user + ":" + password))",
                "pw-b64: \(base64(password))",
            ]
        }
        return (parts + [r.text]).joined(separator: "\n")
    }

    /// Every form of `secret` that must not appear anywhere.
    static func forms(of secret: String, user: String) -> [String] {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let upper = secret.addingPercentEncoding(withAllowedCharacters: allowed) ?? secret
        let json = jsonString(secret).dropFirst().dropLast()
        var plain = "\""
        for u in secret.unicodeScalars {
            plain += u == "/" ? "\\/" : u.value > 0x7E ? String(format: "\\u%04X", u.value) : String(u)
        }
        return [
            secret, upper, upper.lowercased(), formPlus(secret), String(json), String(plain.dropFirst()),
            base64(secret), base64(user + ":" + secret),
            base64(secret).replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_"),
        ]
    }

    @Test func secretsEchoedIn401And400And422And500BodiesReachNoFileAndNoOutput() async throws {
        let hex = UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12)
        let secret = "Cn4ry/P@ss w+rd:é\(hex)"
        let token = "tok_\(UUID().uuidString.replacingOccurrences(of: "-", with: ""))"
        let user = "canary-user@example.com"
        let out = TemporaryFolder.make("catalog-etl-upload")
        let pipeline = try Self.pipeline(in: out, adding: "      max_attempts: 2\n")
        let input = try Self.smallInput(in: out, rows: 6)

        // 1. The login answered 401, echoing the form with the password.
        let refusing = try MisbehavingServer { r in
            .json(401, "{\"detail\": \(Self.jsonString(Self.echo(r)))}")
        }
        defer { refusing.stop() }
        var outputs: [BinaryRunner.Output] = []
        let refused = try await BinaryRunner.runAsync(
            ["run", pipeline, "--output", out + "/refused", "--input", input, "--verbose"],
            environment: Self.environment(refusing, password: secret))
        #expect(refused.status == 4, "\(refused.stderr)")
        #expect(refused.stderr.contains("***"), "the echoed body is quoted, redacted: \(refused.stderr)")
        outputs.append(refused)

        // 2. Logged in; every create answered 400, 422 or 500, each echoing headers (the bearer token) and body.
        let counter = Counter()
        let echoing = try MisbehavingServer { r in
            if r.path.hasPrefix("/api/v1/login") {
                return .json(200, "{\"access_token\": \"\(token)\", \"token_type\": \"bearer\"}")
            }
            if r.method == "GET" { return .json(200, "{\"data\": [], \"count\": 0}") }
            let echo = Self.echo(r)
            switch counter.next() % 3 {
            case 0: return .json(400, "{\"detail\": \(Self.jsonString(echo))}")
            case 1:
                return .json(
                    422,
                    "{\"detail\": [{\"loc\": [\"body\", \"name\"], \"msg\": \(Self.jsonString(echo)), \"input\": \(Self.jsonString(echo))}]}"
                )
            default:
                return MisbehavingServer.Reply(
                    status: 500, headers: [("Content-Type", "text/plain"), ("X-Echo", Self.formPlus(echo))],
                    body: Array((echo + "\n" + Self.formPlus(echo)).utf8))
            }
        }
        defer { echoing.stop() }
        let env = Self.environment(echoing, password: secret)
        outputs.append(
            try await BinaryRunner.runAsync(
                ["run", pipeline, "--output", out, "--input", input, "--verbose"], environment: env))
        outputs.append(
            try await BinaryRunner.runAsync(
                [
                    "run", pipeline, "--output", out, "--input", input, "--verbose", "--log-format", "json",
                    "--full-refresh",
                ],
                environment: env))
        outputs.append(try await BinaryRunner.runAsync(["status", pipeline, "--output", out], environment: env))
        let status = try await BinaryRunner.runAsync(["status", pipeline, "--output", out, "--json"], environment: env)
        outputs.append(status)
        #expect(echoing.requests.contains { $0.method == "POST" && $0.path.hasPrefix("/api/v1/products") })
        let failures = try JSONValue.parse(status.stdout)["failures"]?.arrayValue ?? []
        #expect(failures.count >= 3, "\(status.stdout)")
        #expect(
            failures.filter { $0["last_error"]?.textValue?.contains("***") == true }.count >= 3,
            "the refusals are stored with the echo, redacted: \(status.stdout)")

        let secrets = Self.forms(of: secret, user: user) + Self.forms(of: token, user: user)
        for o in outputs {
            for s in secrets {
                #expect(!o.stdout.contains(s), "stdout holds \(s)")
                #expect(!o.stderr.contains(s), "stderr holds \(s)")
            }
        }
        var files = 0
        let enumerator = FileManager.default.enumerator(atPath: out)
        while let name = enumerator?.nextObject() as? String {
            let path = out + "/" + name
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue else { continue }
            guard !name.hasPrefix("capture"), name != "ss26-sartiq.yaml", name != "small.jsonl" else { continue }
            let data = FileManager.default.contents(atPath: path) ?? Data()
            files += 1
            for s in secrets { #expect(data.range(of: Data(s.utf8)) == nil, "\(name) holds \(s)") }
        }
        #expect(files > 10, "the runs wrote their files, the ledger among them")
        #expect(FileManager.default.fileExists(atPath: Ledger.path(outputRoot: out, pipeline: "ss26-sartiq")))
    }

    // MARK: - Retry-After

    @Test(arguments: ["999999", "Fri, 31 Dec 9999 23:59:59 GMT"])
    func aRetryAfterLongerThanMaxWaitEndsTheRunAtOnceQuotingIt(value: String) async throws {
        let server = try MisbehavingServer { _ in
            .json(429, "{\"detail\": \"Too many requests\"}", headers: [("Retry-After", value)])
        }
        defer { server.stop() }
        let out = TemporaryFolder.make("catalog-etl-upload")
        let input = try Self.smallInput(in: out, rows: 3)
        let started = Date()
        let r = try await BinaryRunner.runAsync(
            ["run", "pipelines/ss26-sartiq.yaml", "--output", out, "--input", input],
            environment: Self.environment(server))
        #expect(r.status == 4, "\(r.stderr)")
        #expect(Date().timeIntervalSince(started) < 30)
        #expect(r.stderr.contains("Retry-After: \(value)"), "\(r.stderr)")
        #expect(r.stderr.contains("max_wait"))
        #expect(server.requests.count == 1, "nothing is sent after such an answer")
    }

    @Test func aWaitLongerThanTenSecondsIsPrintedWithoutVerbose() async throws {
        let counter = Counter()
        let server = try MisbehavingServer { _ in
            counter.next() == 0
                ? .json(429, "{\"detail\": \"Too many requests\"}", headers: [("Retry-After", "11")])
                : .json(401, "{\"detail\": \"Incorrect email or password\"}")
        }
        defer { server.stop() }
        let out = TemporaryFolder.make("catalog-etl-upload")
        let input = try Self.smallInput(in: out, rows: 3)
        let r = try await BinaryRunner.runAsync(
            ["run", "pipelines/ss26-sartiq.yaml", "--output", out, "--input", input],
            environment: Self.environment(server))
        #expect(r.status == 4, "\(r.stderr)")
        #expect(r.stderr.contains("Sartiq: waiting 11 s before the next request"), "\(r.stderr)")
        #expect(r.stderr.contains("429 Too Many Requests") && r.stderr.contains("Retry-After: 11"))
        #expect(server.requests.count == 2)
    }

    // MARK: - Deadlines

    @Test func aLoginAnswerDrippedOneByteEveryTwoSecondsMeetsTheTimeout() async throws {
        let server = try MisbehavingServer { _ in
            var reply = MisbehavingServer.Reply.json(
                200, "{\"access_token\": \"tok_drip_0123456789\", \"token_type\": \"bearer\"}")
            reply.drip = 2
            return reply
        }
        defer { server.stop() }
        let out = TemporaryFolder.make("catalog-etl-upload")
        let pipeline = try Self.pipeline(in: out, adding: "      timeout: 5s\n")
        let input = try Self.smallInput(in: out, rows: 3)
        let started = Date()
        let r = try await BinaryRunner.runAsync(
            ["run", pipeline, "--output", out, "--input", input], environment: Self.environment(server))
        let elapsed = Date().timeIntervalSince(started)
        #expect(r.status == 4, "\(r.stderr)")
        #expect(elapsed < 60)
        #expect(elapsed > 9, "two attempts of 5 s at least")
        #expect(r.stderr.contains("within the 5 s timeout"), "\(r.stderr)")
        #expect(server.requests.count >= 2, "the login was tried again")
    }

    @Test func createsDrippedEndTheUploadWithExit4WithinAMinute() async throws {
        let server = try MisbehavingServer { r in
            if r.path.hasPrefix("/api/v1/login") {
                return .json(200, "{\"access_token\": \"tok_drip_0123456789\", \"token_type\": \"bearer\"}")
            }
            if r.method == "GET" { return .json(200, "{\"data\": [], \"count\": 0}") }
            var reply = MisbehavingServer.Reply.json(201, "{\"id\": \"00000000-0000-0000-0000-000000000001\"}")
            reply.drip = 2
            return reply
        }
        defer { server.stop() }
        let out = TemporaryFolder.make("catalog-etl-upload")
        let pipeline = try Self.pipeline(in: out, adding: "      timeout: 5s\n")
        let input = try Self.smallInput(in: out, rows: 20)
        let started = Date()
        let r = try await BinaryRunner.runAsync(
            ["run", pipeline, "--output", out, "--input", input], environment: Self.environment(server))
        #expect(r.status == 4, "\(r.stderr)")
        #expect(Date().timeIntervalSince(started) < 60)
        #expect(r.stderr.contains("timeout"), "\(r.stderr)")
        let summary = try #require(Self.lastSummary(out))
        #expect(summary["status"]?.textValue == "failed", "summary.json says how the run ended")
        #expect(summary["failure"]?["reason"]?.textValue?.contains("timeout") == true)
    }

    @Test func aServiceAnsweringOnly500EndsTheUploadWithExit4WithinAMinute() async throws {
        let server = try MisbehavingServer { r in
            if r.path.hasPrefix("/api/v1/login") {
                return .json(200, "{\"access_token\": \"tok_500_0123456789\", \"token_type\": \"bearer\"}")
            }
            if r.method == "GET" { return .json(200, "{\"data\": [], \"count\": 0}") }
            return .json(500, "{\"detail\": \"Internal Server Error\"}")
        }
        defer { server.stop() }
        let out = TemporaryFolder.make("catalog-etl-upload")
        let pipeline = try Self.pipeline(in: out, adding: "")
        let input = try Self.smallInput(in: out, rows: 60)
        let started = Date()
        let r = try await BinaryRunner.runAsync(
            ["run", pipeline, "--output", out, "--input", input], environment: Self.environment(server))
        #expect(r.status == 4, "\(r.stderr)")
        #expect(Date().timeIntervalSince(started) < 60)
        #expect(r.stderr.contains("in a row with a server error (5xx)"), "\(r.stderr)")
        let posts = server.requests.filter { $0.method == "POST" && $0.path.hasPrefix("/api/v1/products") }.count
        #expect(posts < 60, "given up before every row was tried: \(posts) creates")
        let summary = try #require(Self.lastSummary(out))
        #expect(summary["status"]?.textValue == "failed")
        #expect(summary["failure"]?["exit_code"]?.integerValue == 4)
    }

    @Test func anUploadGivenUpMidRunKeepsItsCountsInTheFailedSummary() async throws {
        // Five creates succeed, then every request answers 500 until the run gives the service up.
        let creates = Counter()
        let server = try MisbehavingServer { r in
            if r.path.hasPrefix("/api/v1/login") {
                return .json(200, "{\"access_token\": \"tok_mid_0123456789\", \"token_type\": \"bearer\"}")
            }
            if r.method == "GET" { return .json(200, "{\"data\": [], \"count\": 0}") }
            let n = creates.next()
            if n < 5 { return .json(201, "{\"id\": \"00000000-0000-0000-0000-00000000000\(n + 1)\"}") }
            return .json(500, "{\"detail\": \"Internal Server Error\"}")
        }
        defer { server.stop() }
        let out = TemporaryFolder.make("catalog-etl-upload")
        let pipeline = try Self.pipeline(in: out, adding: "")
        let input = try Self.smallInput(in: out, rows: 40)
        let r = try await BinaryRunner.runAsync(
            ["run", pipeline, "--output", out, "--input", input], environment: Self.environment(server))
        #expect(r.status == 4, "\(r.stderr)")
        let summary = try #require(Self.lastSummary(out))
        #expect(summary["status"]?.textValue == "failed")
        let upload = try #require(summary["upload"], "the failed run's summary says what the upload did")
        let created = try #require(upload["created"]?.integerValue)
        #expect(created >= 1 && created <= 5, "created \(created) of the 5 the server accepted")
        #expect((upload["sent"]?.integerValue ?? 0) >= created)
    }

    /// `summary.json` of the newest run of ss26-sartiq under `out`.
    static func lastSummary(_ out: String) -> JSONValue? {
        let dir = out + "/ss26-sartiq"
        let runs = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter {
            FileManager.default.fileExists(atPath: dir + "/" + $0 + "/summary.json")
        }.sorted()
        guard let last = runs.last, let data = FileManager.default.contents(atPath: dir + "/" + last + "/summary.json")
        else { return nil }
        return try? JSONValue.parse(Array(data))
    }
}

/// A thread-safe counter for the servers' handlers.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = -1

    func next() -> Int {
        lock.withLock {
            n += 1
            return n
        }
    }
}
