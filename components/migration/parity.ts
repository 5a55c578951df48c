/** One metric of one partition date that differs beyond the tolerance. */
export interface ParityMismatch {
    readonly date: string;
    readonly metric: string;
    readonly legacy: number | null;
    readonly v2: number | null;
}

/** The outcome of one parity query. */
export interface ParityReport {
    readonly mapping: string;
    readonly passed: boolean;
    readonly partitions: number;
    /** Totals over all partition dates, per metric. */
    readonly totals: Record<string, { legacy: number; v2: number }>;
    readonly mismatches: readonly ParityMismatch[];
}

const num = (v: unknown): number | null => {
    if (v === null || v === undefined) return null;
    if (typeof v === "object" && v !== null && "value" in v) return Number((v as { value: unknown }).value);
    return Number(v);
};

/** Whether two values agree within a relative tolerance; a missing side counts as zero only when the other is zero. */
export function withinTolerance(a: number | null, b: number | null, tolerance: number): boolean {
    const x = a ?? 0;
    const y = b ?? 0;
    if (x === y) return true;
    return Math.abs(x - y) <= tolerance * Math.max(Math.abs(x), Math.abs(y));
}

/**
 * Compares rows shaped `partition_date, legacy_<m>, v2_<m>, ...` (the parity SQL contract):
 * per date and metric, and over all dates.
 */
export function compareParityRows(mapping: string, rows: readonly Record<string, unknown>[], tolerance: number): ParityReport {
    const metrics = new Set<string>();
    for (const row of rows) for (const k of Object.keys(row)) if (k.startsWith("legacy_")) metrics.add(k.slice(7));
    const totals: Record<string, { legacy: number; v2: number }> = {};
    for (const m of metrics) totals[m] = { legacy: 0, v2: 0 };
    const mismatches: ParityMismatch[] = [];
    for (const row of rows) {
        const rawDate = row.partition_date as unknown;
        const date = rawDate && typeof rawDate === "object" && "value" in rawDate ? String((rawDate as { value: unknown }).value) : String(rawDate);
        for (const m of metrics) {
            const legacy = num(row[`legacy_${m}`]);
            const v2 = num(row[`v2_${m}`]);
            totals[m].legacy += legacy ?? 0;
            totals[m].v2 += v2 ?? 0;
            if (!withinTolerance(legacy, v2, tolerance)) mismatches.push({ date, metric: m, legacy, v2 });
        }
    }
    for (const m of metrics) {
        if (!withinTolerance(totals[m].legacy, totals[m].v2, tolerance)) mismatches.push({ date: "total", metric: m, legacy: totals[m].legacy, v2: totals[m].v2 });
    }
    return { mapping, passed: mismatches.length === 0, partitions: rows.length, totals, mismatches };
}

/** A readable table of mismatches, for the failed update's message. */
export function formatMismatches(report: ParityReport, limit = 20): string {
    const lines = [`parity ${report.mapping}: ${report.mismatches.length} mismatch(es) over ${report.partitions} partition date(s)`];
    lines.push(`  ${"date".padEnd(12)} ${"metric".padEnd(24)} ${"legacy".padStart(16)} ${"v2".padStart(16)}`);
    for (const m of report.mismatches.slice(0, limit)) {
        lines.push(`  ${m.date.padEnd(12)} ${m.metric.padEnd(24)} ${String(m.legacy ?? "NULL").padStart(16)} ${String(m.v2 ?? "NULL").padStart(16)}`);
    }
    if (report.mismatches.length > limit) lines.push(`  ... and ${report.mismatches.length - limit} more`);
    return lines.join("\n");
}
