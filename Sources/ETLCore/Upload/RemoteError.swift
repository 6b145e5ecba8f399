public import Foundation

/// Why a request finally failed.
public enum RemoteError: Error, Sendable, CustomStringConvertible {
    /// A create may or may not have happened (no answer, reset, 5xx): ask the service before retrying.
    case ambiguous(String, retryAfter: Double?)
    /// This request failed for good after its attempts; the items it carried fail, the run goes on.
    case failed(String)
    /// The run cannot go on: credentials refused, service unreachable. Exit 4.
    case fatal(String)

    /// The message.
    public var description: String {
        switch self {
        case .ambiguous(let m, _), .failed(let m), .fatal(let m): return m
        }
    }
}
