import Foundation

/// A run that stopped on purpose (`on_error: fail`, a crossed threshold) with its exit code.
public struct RunFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// What happened and how to proceed.
    public var message: String
    /// The exit code (1 for data problems).
    public var exitCode: Int32

    /// Creates a failure.
    public init(message: String, exitCode: Int32) {
        self.message = message
        self.exitCode = exitCode
    }

    /// The message.
    public var description: String { message }
}
