import Foundation
import GRDB

/// A row of `vet_pages`: one blind-vetting page of a run (``Store/vetPage()``).
public struct VetPageRecord: SnakeCaseRecord, Sendable, Hashable {
    public static let databaseTableName = "vet_pages"
    public var id: String
    public var runId: String
    public var seed: Int64
    public var simulatedFraction: Double
    /// When the truth was revealed; nil while vetting is blind.
    public var unblindedAt: String?

    public init(id: String, runId: String, seed: Int64, simulatedFraction: Double, unblindedAt: String? = nil) {
        self.id = id
        self.runId = runId
        self.seed = seed
        self.simulatedFraction = simulatedFraction
        self.unblindedAt = unblindedAt
    }
}

/// A row of `vet_cards`: which detection an opaque card id of a page shows.
public struct VetCardRecord: SnakeCaseRecord, Sendable, Hashable {
    public static let databaseTableName = "vet_cards"
    public var pageId: String
    public var cardId: String
    public var position: Int
    public var detectionId: Int64

    public init(pageId: String, cardId: String, position: Int, detectionId: Int64) {
        self.pageId = pageId
        self.cardId = cardId
        self.position = position
        self.detectionId = detectionId
    }
}

/// A row of `verdicts`: one vetter's judgement of one card.
public struct VerdictRecord: SnakeCaseRecord, Sendable, Hashable {
    public static let databaseTableName = "verdicts"
    public enum Verdict: String, Codable, Sendable, CaseIterable {
        case flare
        case notFlare = "not_flare"
        case unsure
    }
    public var pageId: String
    public var cardId: String
    public var detectionId: Int64
    public var vetter: String
    public var verdict: Verdict
    public var comment: String
    /// When the vetter judged, ISO 8601 as the browser wrote it.
    public var time: String

    public init(pageId: String, cardId: String, detectionId: Int64, vetter: String, verdict: Verdict, comment: String, time: String) {
        self.pageId = pageId
        self.cardId = cardId
        self.detectionId = detectionId
        self.vetter = vetter
        self.verdict = verdict
        self.comment = comment
        self.time = time
    }
}

/// Why vetting data cannot be stored.
public enum VettingStoreError: Error, LocalizedError, Equatable {
    /// The run already has a different page that people have judged.
    case pageHasVerdicts(page: String, verdicts: Int)
    case noPage(path: String)
    case alreadyUnblinded(page: String, at: String)

    public var errorDescription: String? {
        switch self {
        case let .pageHasVerdicts(page, n):
            return "the run's vetting page \(page) already holds \(n) imported verdicts; making a different page would orphan them "
                + "(use the same --seed and --simulated-fraction to write that page again)"
        case let .noPage(path): return "\(path) has no vetting page: run `report vet RUN` first"
        case let .alreadyUnblinded(page, at):
            return "vetting page \(page) was unblinded at \(at): verdicts given after that are not blind and are not imported"
        }
    }
}

extension Store {
    /// Whether this database has the vetting tables (a run made before them, opened read-only, has not).
    func hasVettingTables(_ db: Database) throws -> Bool { try db.tableExists(VetPageRecord.databaseTableName) }

    /// The run's vetting page, if one was made.
    public func vetPage() throws -> VetPageRecord? {
        try read { db in try hasVettingTables(db) ? VetPageRecord.fetchOne(db) : nil }
    }

    /// The cards of a page, in page order.
    public func vetCards(pageID: String) throws -> [VetCardRecord] {
        try read { db in
            try hasVettingTables(db)
                ? VetCardRecord.filter(Column("page_id") == pageID).order(Column("position")).fetchAll(db) : []
        }
    }

    /// The verdicts given on a page, by vetter then card position.
    public func verdicts(pageID: String) throws -> [VerdictRecord] {
        try read { db in
            guard try hasVettingTables(db) else { return [] }
            return try VerdictRecord.fetchAll(
                db,
                sql: """
                    SELECT v.* FROM verdicts v JOIN vet_cards c ON c.page_id = v.page_id AND c.card_id = v.card_id
                    WHERE v.page_id = ? ORDER BY v.vetter, c.position
                    """, arguments: [pageID])
        }
    }

    /// Stores a vetting page and its cards, replacing the run's page if it has no verdicts (the same
    /// page, with the same id, keeps its verdicts).
    /// - Throws: ``VettingStoreError/pageHasVerdicts(page:verdicts:)`` when a different page was judged.
    public func storeVetPage(_ page: VetPageRecord, cards: [VetCardRecord]) throws {
        try write { db in
            if let old = try VetPageRecord.fetchOne(db) {
                if old.id == page.id { return }
                let judged = try VerdictRecord.filter(Column("page_id") == old.id).fetchCount(db)
                if judged > 0 { throw VettingStoreError.pageHasVerdicts(page: old.id, verdicts: judged) }
                try old.delete(db)
            }
            var page = page
            try page.insert(db)
            for var card in cards { try card.insert(db) }
        }
    }

    /// Stores one vetter's verdicts on a page, replacing what that vetter gave before (a later export
    /// holds all of them).
    /// - Throws: ``VettingStoreError/alreadyUnblinded(page:at:)`` once the page is unblinded.
    public func importVerdicts(_ verdicts: [VerdictRecord], pageID: String, vetter: String) throws {
        try write { db in
            guard let page = try VetPageRecord.fetchOne(db, key: pageID) else { throw VettingStoreError.noPage(path: url.path) }
            if let at = page.unblindedAt { throw VettingStoreError.alreadyUnblinded(page: pageID, at: at) }
            try db.execute(sql: "DELETE FROM verdicts WHERE page_id = ? AND vetter = ?", arguments: [pageID, vetter])
            for var v in verdicts { try v.insert(db) }
        }
    }

    /// Marks a page unblinded (once; a second call keeps the first time).
    public func unblind(pageID: String, at date: Date = Date()) throws {
        try write { db in
            try db.execute(
                sql: "UPDATE vet_pages SET unblinded_at = ? WHERE id = ? AND unblinded_at IS NULL",
                arguments: [Self.timestamp(date), pageID])
        }
    }
}
