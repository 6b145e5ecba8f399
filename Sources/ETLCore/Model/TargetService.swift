/// A target service's name as pipelines write it (`target: sartiq`): one of the names in
/// ``TargetRegistry``. Each target's folder declares its own constant (`TargetService.sartiq`).
public struct TargetService: Sendable, Hashable, CustomStringConvertible {
    /// The name (`sartiq`).
    public let rawValue: String

    /// A target name, registered or not (a definition names its own target with it).
    public init(name: String) { rawValue = name }

    /// The name.
    public var name: String { rawValue }

    /// The name.
    public var description: String { rawValue }
}
