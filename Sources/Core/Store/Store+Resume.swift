import Foundation
import GRDB

extension Store {
    /// Where an interrupted run stood: its sources' ids in catalog order and which are done.
    struct ResumePoint {
        var ids: [Int64]
        var done: Set<Int64>
    }

    /// Prepares an unfinished run (killed, or ended by an error) to go on: the run is `running`
    /// again with today's notebook cells, and every source that is not done — pending, or failed
    /// (its failure records are removed: it is tried again, and fails again with a new record if
    /// the cause is still there) — is pending. Nothing a finished source stored is touched: each
    /// source's results landed in one transaction (``record(_:runID:)``), so a done source is
    /// complete and the coverage counts hold exactly the done sources' shares.
    ///
    /// Returns nil, changing nothing, when the database does not hold `runID` with `sourceCount`
    /// sources.
    func resume(runID: String, sourceCount: Int, cells: [NotebookCell]) throws -> ResumePoint? {
        try wrap {
            try queue.write { db in
                guard try RunRecord.fetchOne(db)?.id == runID else { return nil }
                let rows = try Row.fetchAll(db, sql: "SELECT id, status FROM sources WHERE run_id = ? ORDER BY catalog_index", arguments: [runID])
                guard rows.count == sourceCount else { return nil }
                try db.execute(
                    sql: "DELETE FROM failures WHERE source_id IN (SELECT id FROM sources WHERE run_id = ? AND status = ?)",
                    arguments: [runID, SourceRecord.Status.failed.rawValue])
                try db.execute(
                    sql: "UPDATE sources SET status = ? WHERE run_id = ? AND status = ?",
                    arguments: [SourceRecord.Status.pending.rawValue, runID, SourceRecord.Status.failed.rawValue])
                try db.execute(
                    sql: "UPDATE runs SET status = ?, finished_at = NULL, error = NULL WHERE id = ?",
                    arguments: [RunRecord.Status.running.rawValue, runID])
                try db.execute(sql: "DELETE FROM notebook_cells WHERE run_id = ?", arguments: [runID])
                for var cell in cells { try cell.insert(db) }
                var point = ResumePoint(ids: [], done: [])
                for row in rows {
                    let id: Int64 = row["id"]
                    point.ids.append(id)
                    if (row["status"] as String) == SourceRecord.Status.done.rawValue { point.done.insert(id) }
                }
                return point
            }
        }
    }
}
