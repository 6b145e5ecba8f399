import ArgumentParser
import ETLCore
import Foundation

/// `catalog-etl init FILE --target T`: reads the whole file and writes a first, commented pipeline.
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write a first pipeline for a file and a target: read settings, key, mapping, value maps, stages.",
        discussion: """
            Reads the whole file once (bounded memory), then writes pipelines/<file stem>-<target>.yaml: the \
            sheet and header row, the key, the fields of the target matched to columns by name (five languages, \
            camelCase split) and by content, value maps for enumerations, date formats, list separators, and the \
            validate and upload stages with the target's documented defaults. Every guess carries its evidence \
            as a comment; what it could not decide is a `# TODO` line. Exit 0 when it wrote the file (TODOs or \
            not), 2 when it could not.
            """)

    @Argument(help: "The catalog file (.csv .tsv .json .jsonl .xlsx).")
    var file: String

    @Option(help: "The target: \(TargetService.namesInProse).")
    var target: String

    @Option(help: "XLSX: the sheet to read (default: the visible sheet that looks like a product table).")
    var sheet: String?

    @Option(name: .shortAndLong, help: "Where to write the pipeline (default: pipelines/<file stem>-<target>.yaml).")
    var output: String?

    @Option(help: "The pipeline's name (default: <file stem>-<target>).")
    var name: String?

    @Flag(help: "Overwrite an existing pipeline file.")
    var force = false

    func validate() throws {
        if let name,
            name.isEmpty || name.hasPrefix(".")
                || name.contains(where: { !($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        {
            throw ValidationError("--name \"\(name)\" cannot name an output folder; use letters, digits, - and _")
        }
        if TargetService(rawValue: target.lowercased()) == nil {
            throw ValidationError(
                "unknown target \"\(target)\"; expected one of \(TargetService.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
    }

    func run() throws {
        guard let service = TargetService(rawValue: target.lowercased()) else { return }
        let contract = TargetContract.contract(for: service)
        let stem = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        let pipelineName = name ?? InitPaths.slug("\(stem)-\(service.rawValue)")
        let out = output ?? "pipelines/\(InitPaths.slug(stem))-\(service.rawValue).yaml"
        if FileManager.default.fileExists(atPath: out) && !force {
            throw CommandFailure(
                message: "\(out) exists; pass --force to overwrite it, or --output another path", exitCode: 2)
        }
        let profile: FileProfile
        do {
            profile = try FileProfiler.profile(path: file, sheet: sheet)
        } catch let e as ReadError {
            throw CommandFailure(message: e.description + "\ninit wrote nothing", exitCode: 2)
        }
        let outDir = (out as NSString).deletingLastPathComponent
        let schemaName = "catalog-etl.schema.json"
        var command = "catalog-etl init \(file) --target \(service.rawValue)"
        if let sheet { command += " --sheet \(sheet)" }
        let draft = PipelineDraft(
            profile: profile, contract: contract, name: pipelineName,
            readPath: InitPaths.relative(file, from: outDir.isEmpty ? "." : outDir), schemaPath: schemaName,
            command: command)
        do {
            if !outDir.isEmpty {
                try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
            }
            try Data(draft.text.utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
            // The schema beside the pipeline, so the editor's `$schema=` line finds it offline.
            let schemaPath = (outDir.isEmpty ? "." : outDir) + "/" + schemaName
            let schema = PipelineSchema.text
            if (try? String(contentsOfFile: schemaPath, encoding: .utf8)) != schema {
                try Data(schema.utf8).write(to: URL(fileURLWithPath: schemaPath), options: .atomic)
            }
        } catch {
            throw CommandFailure(
                message: "\(out): cannot write the pipeline (\(error.localizedDescription))", exitCode: 2)
        }
        print("wrote \(out) from \(profile.rows) rows of \(file) for \(contract.qualifiedName)")
        for (k, v) in profile.readNotes.sorted(by: { $0.key < $1.key }) { print("  read.\(k): \(v)") }
        if let key = profile.key { print("  read.key: \(key) (\(profile.keyNote ?? ""))") }
        print("mapped \(draft.mapping.count) of \(contract.fields.count) \(service.rawValue) fields:")
        for d in draft.decisions { print("  \(d)") }
        let open = contract.fields.map(\.name).filter { draft.mapping[$0] == nil }
        if !open.isEmpty { print("not mapped: \(open.joined(separator: ", "))") }
        for t in draft.todos { print("TODO: \(t)") }
        printWarnings(profile.warnings)
        print("next: catalog-etl check \(out) && catalog-etl run \(out) --dry-run")
    }
}

/// Paths and names `init` writes.
enum InitPaths {
    /// A name an output folder can carry: letters, digits, - and _.
    static func slug(_ s: String) -> String {
        var out = ""
        for ch in s.lowercased() {
            if ch.isLetter && ch.isASCII || ch.isNumber && ch.isASCII || ch == "_" {
                out.append(ch)
            } else if !out.hasSuffix("-") {
                out.append("-")
            }
        }
        while out.hasPrefix("-") || out.hasPrefix(".") { out.removeFirst() }
        while out.hasSuffix("-") { out.removeLast() }
        return out.isEmpty ? "pipeline" : out
    }

    /// `path` relative to the folder `dir` (both relative to the working directory, or absolute).
    static func relative(_ path: String, from dir: String) -> String {
        let cwd = FileManager.default.currentDirectoryPath
        func absolute(_ p: String) -> [String] {
            let full = p.hasPrefix("/") ? p : cwd + "/" + p
            var parts: [String] = []
            for seg in full.split(separator: "/") {
                if seg == "." { continue }
                if seg == ".." {
                    if !parts.isEmpty { parts.removeLast() }
                    continue
                }
                parts.append(String(seg))
            }
            return parts
        }
        let target = absolute(path)
        let base = absolute(dir)
        var common = 0
        while common < min(target.count, base.count) && target[common] == base[common] { common += 1 }
        // Nothing in common but the root: the absolute path reads better than a climb to `/`.
        if common == 0 || (common == 1 && base.count > 2) { return "/" + target.joined(separator: "/") }
        let ups = [String](repeating: "..", count: base.count - common)
        let rel = (ups + target[common...]).joined(separator: "/")
        return rel.isEmpty ? "." : rel
    }
}
