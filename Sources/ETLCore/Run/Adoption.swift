import Foundation

/// The part of a service a ledger's items describe: the target, the endpoint's origin, the account
/// and the collection. A ledger that has not recorded the scope of a run (a new, deleted or emptied
/// ledger, a run from another output folder, another endpoint, account or collection) does not know
/// what the service holds, so the run lists the service before its first create (see ``Adoption``).
public struct LedgerScope: Sendable, Equatable {
    /// The service.
    public var target: TargetService
    /// The endpoint's origin, lower-case scheme and host, no trailing slash; for the built-in sandbox
    /// `sandbox:` and the absolute path of its state folder.
    public var origin: String
    /// A fingerprint of the account (the first 16 hex digits of a SHA-256 of the credentials that name
    /// it: Sartiq's and Pixyle's username, Mixpeek's namespace, Wickson's API key, Scenario's key and
    /// project), so that no credential is stored.
    public var account: String
    /// The stage's collection, as written (empty when the stage names none).
    public var collection: String

    /// Creates a scope.
    public init(target: TargetService, origin: String, account: String, collection: String) {
        self.target = target
        self.origin = origin
        self.account = account
        self.collection = collection
    }

    /// The scope of an upload stage on a connection.
    public init(stage: UploadStage, connection: ServiceConnection) {
        let origin: String
        if let standIn = connection.standIn {
            let state = standIn.stateDirectory
            origin = "sandbox:" + URL(fileURLWithPath: state).standardizedFileURL.path
        } else {
            origin = Self.normalisedOrigin(connection.session.origin)
        }
        let names = stage.target.definition.accountCredentials
        var text = "catalog-etl ledger scope\u{0}" + stage.target.rawValue
        for name in names { text += "\u{0}" + (stage.credentials[name] ?? "") }
        let account = String(ContentHash.sha256Hex(Array(text.utf8)).prefix(16))
        self.init(
            target: stage.target, origin: origin, account: account,
            collection: stage.collection?.trimmingCharacters(in: .whitespaces) ?? "")
    }

    /// How the ledger stores it: `sartiq http://127.0.0.1:8089/sartiq account:3f… collection:SS26 Riviera`.
    public var text: String { "\(target.rawValue) \(origin) account:\(account) collection:\(collection)" }

    /// `origin` with the scheme and host in lower case and no trailing slash.
    static func normalisedOrigin(_ origin: String) -> String {
        var o = origin
        while o.hasSuffix("/") { o.removeLast() }
        guard let scheme = o.range(of: "://") else { return o }
        let rest = o[scheme.upperBound...]
        let hostEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        return o[..<scheme.upperBound].lowercased() + rest[..<hostEnd].lowercased() + rest[hostEnd...]
    }
}

extension LedgerItem {
    /// The hash of an item adopted from a listing of the service whose content has not been compared
    /// with a record yet: the next run that reads its row compares it (listing the service again).
    public static let unverifiedHash = ""
    /// The hash of an item the service holds with content that differs from the record and that the
    /// service cannot update: no record hashes to it, so every run reports it as not updatable.
    public static let differsHash = "differs-from-the-service"
}

extension ServiceClient {
    /// Logs in and finds the collection without creating anything: the default is ``prepare(state:)``,
    /// which creates nothing for the clients that do not override this.
    public func prepareReadOnly(state: [String: String]) async throws {
        try await prepare(state: state)
    }
}

/// What a run knows about the service beyond its ledger: the listing of the collection (the export's
/// listing) when the ledger does not know the run's ``LedgerScope``, or when rows of this input were
/// adopted by an earlier listing without being compared.
///
/// When the scope is new, every key the listing holds is adopted into the ledger before the first
/// create: `done` with the listed remote id and the unverified hash (kept as it was when the ledger
/// already holds it done under the same remote id); every other item the ledger holds that is not
/// listed is set back to `pending` (to be created), except failed ones (asked about as before). Then
/// the decision for each row (``UploadRunner/makePlan(_:ledger:client:fullRefresh:adoption:)``)
/// compares the record with the listed item: equal → adopted; different → an update where the
/// service can update, else a reported difference. A run writes the adoption into the ledger (one
/// transaction, with the scope); a plan keeps it in memory, so both decide the same.
final class Adoption: @unchecked Sendable {
    /// The run's scope.
    let scope: LedgerScope
    /// Whether the ledger had recorded this scope before the run.
    let scopeKnown: Bool
    /// The listing by key (the first item of each key), when one was needed.
    let listing: [String: RemoteItem]?
    /// Items listed.
    let listed: Int
    /// How records and listed items are compared (the reconcile stage's `compare`; empty compares
    /// every field the service returned).
    let compare: [(field: String, how: Comparison)]
    /// The adoption not written to the ledger (a plan): key → the item as a run would have written it.
    let overlay: [String: LedgerItem]

    private init(
        scope: LedgerScope, scopeKnown: Bool, listing: [String: RemoteItem]?, listed: Int,
        compare: [(field: String, how: Comparison)], overlay: [String: LedgerItem]
    ) {
        self.scope = scope
        self.scopeKnown = scopeKnown
        self.listing = listing
        self.listed = listed
        self.compare = compare
        self.overlay = overlay
    }

    /// Whether this run listed the service for a scope the ledger did not know.
    var adoptedScope: Bool { !scopeKnown && listing != nil }

    /// Lists the service when needed and adopts what it holds.
    /// - Parameters:
    ///   - apply: Write the adoption and the scope into the ledger (a run), or keep it in memory (a plan).
    ///   - listingDirectory: Where the listing's raw export file is saved.
    /// - Throws: ``RemoteFailure`` when the listing fails (nothing was created), ``LedgerError``.
    static func begin(
        scope: LedgerScope, client: any ServiceClient, ledger: Ledger, spoolPath: String, listingDirectory: String,
        compare: [(field: String, how: Comparison)], runID: String, apply: Bool
    ) async throws -> Adoption {
        // A ledger whose items were all deleted (its tables emptied) knows nothing, whatever scope it names.
        let known = try ledger.currentScope() == scope.text && ledger.counts().values.reduce(0, +) > 0
        let needed: Bool
        if known {
            let unverified = try ledger.unverifiedKeys()
            needed = try !unverified.isEmpty && spoolHolds(spoolPath) { unverified.contains($0) }
        } else {
            // Also with no row to send: what the service holds is then known to the ledger, so that
            // reconcile counts it not_in_input rather than unexpected.
            needed = true
        }
        guard needed else {
            return Adoption(scope: scope, scopeKnown: known, listing: nil, listed: 0, compare: compare, overlay: [:])
        }
        let snapshot: RemoteSnapshot
        do {
            snapshot = try await client.export(into: listingDirectory)
        } catch let e as RemoteError {
            throw RemoteFailure(
                description:
                    "listing what \(client.service.displayName) holds before the first create: \(e.description); nothing was sent"
            )
        }
        let byKey = index(snapshot)
        var overlay: [String: LedgerItem] = [:]
        if !known {
            var changes: [LedgerItem] = []
            var seen = Set<String>()
            for entry in try ledger.allItems() {
                seen.insert(entry.key)
                if let item = rewrite(entry: entry, listed: byKey[entry.key], key: entry.key, runID: runID) {
                    changes.append(item)
                }
            }
            for (key, remote) in byKey where !seen.contains(key) {
                if let item = rewrite(entry: nil, listed: remote, key: key, runID: runID) { changes.append(item) }
            }
            if apply {
                try ledger.adopt(changes, scope: scope.text, listed: snapshot.items.count, runID: runID)
            } else {
                for item in changes { overlay[item.key] = item }
            }
        }
        return Adoption(
            scope: scope, scopeKnown: known, listing: byKey, listed: snapshot.items.count, compare: compare,
            overlay: overlay)
    }

    /// What the adoption of a new scope makes of one ledger entry, given what the listing holds under
    /// its key; nil when the entry stays as it is.
    static func rewrite(entry: LedgerItem?, listed: RemoteItem?, key: String, runID: String) -> LedgerItem? {
        let now = Ledger.now()
        if let remote = listed {
            if let e = entry, e.state == .done, e.hash != LedgerItem.unverifiedHash, e.remoteID == remote.remoteID {
                // This ledger sent it, and the service still holds that very item.
                return nil
            }
            return LedgerItem(
                key: key, hash: LedgerItem.unverifiedHash, state: .done, remoteID: remote.remoteID,
                attempts: entry?.attempts ?? 0, lastError: nil, file: entry?.file ?? "", sheet: entry?.sheet,
                row: entry?.row ?? 0, runID: runID, updatedAt: now)
        }
        guard var e = entry else { return nil }
        switch e.state {
        case .failed:
            // Asked about (or, refused with the same content, not sent) as before.
            return nil
        case .pending where e.attempts == 0 && e.remoteID == nil:
            return nil
        case .done, .sending, .pending:
            // Not on the service: whatever the ledger says came from another scope or was deleted there.
            e.state = .pending
            e.attempts = 0
            e.remoteID = nil
            e.runID = runID
            e.updatedAt = now
            return e
        }
    }

    /// The values the client stored in the ledger (``ServiceClient/state``) for this scope: none when
    /// the ledger records another scope (its collection ids are another service's, account's or
    /// collection's); `otherScope` says so.
    static func clientState(ledger: Ledger, scope: LedgerScope) throws -> (values: [String: String], otherScope: Bool) {
        let recorded = try ledger.currentScope()
        if let recorded, recorded != scope.text { return ([:], true) }
        return (try ledger.allValues(), false)
    }

    /// The ledger's entries of `keys`, with the adoption a plan did not write laid over them.
    func entries(keys: [String], ledger: Ledger) throws -> [String: LedgerItem] {
        var known = try ledger.items(keys: keys)
        if !overlay.isEmpty {
            for key in keys { if let item = overlay[key] { known[key] = item } }
        }
        return known
    }

    /// The fields in which a record and the service's item differ, compared as reconcile compares them.
    func differences(_ item: SendItem, _ remote: RemoteItem) -> [FieldDifference] {
        Reconciler.differences(sent: item.record, remote: remote.fields, compare: compare)
    }

    /// The first listed item of each key.
    static func index(_ snapshot: RemoteSnapshot) -> [String: RemoteItem] {
        var byKey: [String: RemoteItem] = [:]
        for item in snapshot.items {
            guard let key = item.key, !key.isEmpty, byKey[key] == nil else { continue }
            byKey[key] = item
        }
        return byKey
    }

    /// Whether any key of the send spool satisfies `test`.
    static func spoolHolds(_ path: String, _ test: (String) -> Bool) throws -> Bool {
        guard FileManager.default.fileExists(atPath: path) else { return false }
        let reader = try SendSpoolReader(path: path, hashing: false)
        while let item = try reader.next() { if test(item.key) { return true } }
        return false
    }
}
