import type { StatementRecord } from '../../db/bank-statements';

/** A statement as GET /bank-statements/:id shows it: the upload's report and where its lines are now. */
export function statementView(s: StatementRecord) {
  return {
    id: s.id,
    format: s.format,
    status: s.status,
    lines: s.lines,
    duplicates: s.duplicates,
    matched: s.counts?.matched ?? null,
    unmatched: s.counts?.unmatched ?? null,
    ignored: s.counts?.ignored ?? null,
    /** Lines of this statement by status now (matched: payments still being applied). */
    progress: s.byStatus,
    uploadedBy: s.uploadedBy,
    uploadedAt: s.uploadedAt,
    matchedAt: s.matchedAt,
    finishedAt: s.finishedAt,
  };
}
