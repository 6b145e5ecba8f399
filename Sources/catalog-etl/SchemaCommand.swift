import ArgumentParser
import ETLCore
import Foundation

/// `catalog-etl schema`: the JSON Schema (draft 2020-12) of the pipeline file.
struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the JSON Schema (draft 2020-12) of pipeline files, for editors and validators.",
        discussion: """
            Put `# yaml-language-server: $schema=catalog-etl.schema.json` on a pipeline's first line and save \
            this output beside it: VS Code's YAML extension then completes and checks the keys.
            """)

    @Option(name: .shortAndLong, help: "Write the schema to this file instead of standard output.")
    var output: String?

    func run() throws {
        let text = PipelineSchema.text
        guard let output else {
            print(text, terminator: "")
            return
        }
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
        } catch {
            throw CommandFailure(
                message: "\(output): cannot write the schema (\(error.localizedDescription))", exitCode: 3)
        }
    }
}
