// The move's outcome as a person and a script read it: one line per table, and the exit code.
import { textTable } from "../lib/text";
import type { TableReport } from "./move";

/** The run as a plain-text table: status, rows on both sides, fingerprints, seconds, rows/s. */
export function reportTable(reports: readonly TableReport[]): string {
    const head = ["table", "status", "source rows", "target rows", "checksum", "seconds", "of which verify", "rows/s"];
    const rows = reports.map((r) => [
        r.table, r.status, String(r.sourceRows), r.targetRows === undefined ? "" : String(r.targetRows),
        r.sourceChecksum ? (r.sourceChecksum === r.targetChecksum ? `${r.sourceChecksum} =` : `${r.sourceChecksum} ≠ ${r.targetChecksum}`) : "",
        r.seconds === undefined ? "" : r.seconds.toFixed(1), r.verifySeconds === undefined ? "" : r.verifySeconds.toFixed(1),
        r.seconds ? String(Math.round(r.sourceRows / r.seconds)) : "",
    ]);
    return textTable(head, rows);
}

/** 0 when every table verified (or was skipped as verified before); 1 when one failed, did not match or was not started. */
export function reportExitCode(reports: readonly TableReport[]): number {
    return reports.some((r) => r.status === "mismatch" || r.status === "failed" || r.status === "stopped") ? 1 : 0;
}
