// The data move from SingleStore/MySQL: auth tables into PostgreSQL, analytics tables into
// BigQuery, each table streamed, converted once, loaded atomically, read back and verified by
// row count and checksum. Preflight checks everything it can before writing anything.
import { openBigQuery } from "./bigqueryTarget";
import { AUTH_SCHEMA, openPostgres, type PostgresTarget } from "./postgresTarget";
import { Progress, type ProgressSink } from "./progress";
import { openSource, redact, type Source, SourceError } from "./source";
import { readState, writeState } from "./state";
import type { Target } from "./target";
import { ConversionError, fromMysql, type SourceColumn, TableChecksum, type TargetColumn } from "./values";

/** Auth tables, in foreign-key order (a user before their sessions). */
export const POSTGRES_TABLES = ["users", "sessions", "campaign_policies"] as const;
export const BIGQUERY_TABLES = ["events", "ad_metrics", "conversions", "touchpoints"] as const;
export const ALL_TABLES: readonly string[] = [...POSTGRES_TABLES, ...BIGQUERY_TABLES];
/** Whether a table goes to PostgreSQL (else to BigQuery). */
const isAuthTable = (t: string) => (POSTGRES_TABLES as readonly string[]).includes(t);

/** Bad input: nothing was written. */
export class MoveInputError extends Error {}

export interface MoveOptions {
    readonly source: string;
    readonly postgres?: string;
    readonly bigqueryProject?: string;
    readonly bigqueryDataset: string;
    readonly bigqueryLocation?: string;
    /** Subset of ALL_TABLES; all when empty. */
    readonly tables?: readonly string[];
    readonly dryRun: boolean;
    /** Offset DATETIME values are read in. */
    readonly datetimeOffset: string;
    /** Resume file. */
    readonly state: string;
    /** Move tables again even when the state says they were verified. */
    readonly force: boolean;
    readonly out: ProgressSink;
}

export interface TableReport {
    readonly table: string;
    readonly target: string;
    readonly status: "verified" | "skipped" | "planned" | "mismatch" | "failed";
    readonly sourceRows: number;
    readonly targetRows?: number;
    readonly sourceChecksum?: string;
    readonly targetChecksum?: string;
    /** Whole table: load and verification. */
    readonly seconds?: number;
    /** Of which reading back and checking the target. */
    readonly verifySeconds?: number;
    readonly error?: string;
}

/** How one source table fills one target table. */
export interface ColumnPlan {
    /** Target columns the load writes (and the checksum covers), in order. */
    readonly columns: TargetColumn[];
    /** Source columns to select. */
    readonly select: string[];
    /** Builds a target row from a source row. */
    readonly build: (row: Record<string, unknown>) => Record<string, unknown>;
    readonly problems: string[];
}

/**
 * Matches columns by name. A RECORD column is filled from flattened source columns
 * `<record>_<field>` (conversions.attribution ← attribution_method, attribution_confidence).
 * A target column the source lacks is left to its default (PostgreSQL), stamped with the move's
 * start (a required `ingested_at`), or NULL; a required one with none of these is a problem, as is
 * a source column with no place in the target (its data would be lost).
 */
export function planColumns(table: string, targetName: string, source: readonly SourceColumn[], target: readonly TargetColumn[], startedMicros: bigint, datetimeOffset: string): ColumnPlan {
    const problems: string[] = [];
    const byName = new Map(source.map((c) => [c.name.toLowerCase(), c]));
    const used = new Set<string>();
    const columns: TargetColumn[] = [];
    const steps: ((row: Record<string, unknown>, out: Record<string, unknown>) => void)[] = [];
    const convert = (raw: unknown, s: SourceColumn, t: TargetColumn, label: string) => {
        try {
            return fromMysql(raw, s, t, { datetimeOffset });
        } catch (err: any) {
            throw new ConversionError(`column ${label}: ${err.message}`);
        }
    };
    for (const t of target) {
        const s = byName.get(t.name.toLowerCase());
        if (t.type === "RECORD") {
            const parts = (t.fields ?? []).map((f) => ({ f, s: byName.get(`${t.name}_${f.name}`.toLowerCase()) }));
            if (parts.some((p) => p.s)) {
                parts.forEach((p) => p.s && used.add(p.s.name.toLowerCase()));
                columns.push(t);
                steps.push((row, out) => {
                    const values = parts.map((p) => (p.s ? convert(row[p.s.name], p.s, p.f, `${p.s.name}`) : null));
                    out[t.name] = values.every((v) => v === null) ? null : Object.fromEntries(parts.map((p, i) => [p.f.name, values[i]]));
                });
            } else if (t.required) problems.push(`${targetName}.${t.name} is required and ${table} has no ${t.name}_* columns`);
            continue;
        }
        if (s) {
            used.add(s.name.toLowerCase());
            columns.push(t);
            steps.push((row, out) => (out[t.name] = convert(row[s.name], s, t, s.name)));
        } else if (t.hasDefault) {
            // Left out of the load: PostgreSQL fills it.
        } else if (t.name === "ingested_at" && t.type === "TIMESTAMP") {
            columns.push(t);
            steps.push((_row, out) => (out[t.name] = startedMicros));
        } else if (!t.required) {
            columns.push(t);
            steps.push((_row, out) => (out[t.name] = t.repeated ? [] : null));
        } else {
            problems.push(`${targetName}.${t.name} is required and ${table} has no column ${t.name}`);
        }
    }
    for (const s of source) if (!used.has(s.name.toLowerCase())) problems.push(`${table}.${s.name} has no column in ${targetName}: its data would be lost`);
    const select = source.filter((s) => used.has(s.name.toLowerCase())).map((s) => s.name);
    return {
        columns,
        select,
        problems,
        build: (row) => {
            const out: Record<string, unknown> = {};
            for (const step of steps) step(row, out);
            return out;
        },
    };
}

/** Runs the move; throws MoveInputError (nothing written) on bad input. */
export async function moveData(opts: MoveOptions): Promise<TableReport[]> {
    const tables = opts.tables?.length ? [...opts.tables] : [...ALL_TABLES];
    const unknown = tables.filter((t) => !ALL_TABLES.includes(t));
    if (unknown.length) throw new MoveInputError(`--tables: unknown ${unknown.join(", ")}; the tables are ${ALL_TABLES.join(", ")}`);
    const ordered = ALL_TABLES.filter((t) => tables.includes(t));
    const pgTables = ordered.filter(isAuthTable);
    const bqTables = ordered.filter((t) => !isAuthTable(t));
    const wantPg = pgTables.length > 0;
    const wantBq = bqTables.length > 0;
    if (wantPg && !opts.postgres) throw new MoveInputError(`--postgres is required to move ${pgTables.join(", ")}`);
    if (wantBq && !opts.bigqueryProject) throw new MoveInputError(`--bigquery-project is required to move ${bqTables.join(", ")}`);
    if (!/^[+-]\d{2}:\d{2}$/.test(opts.datetimeOffset)) throw new MoveInputError(`--datetime-offset ${opts.datetimeOffset}: expected ±HH:MM, e.g. +00:00`);
    const state = readState(opts.state);

    let source: Source;
    try {
        source = await openSource(opts.source);
    } catch (err: any) {
        throw new MoveInputError(err instanceof SourceError ? err.message : `cannot connect to the source ${redact(opts.source)}: ${err.message}`);
    }
    let pg: PostgresTarget | undefined;
    try {
        try {
            pg = wantPg ? await openPostgres(opts.postgres!) : undefined;
        } catch (err: any) {
            throw new MoveInputError(err.message);
        }
        const bq: Target | undefined = wantBq ? openBigQuery(opts.bigqueryProject!, opts.bigqueryDataset, opts.bigqueryLocation) : undefined;
        const targetOf = (t: string): Target => (isAuthTable(t) ? pg! : bq!);
        const nameIn = (t: string) => (isAuthTable(t) ? `${AUTH_SCHEMA}.${t}` : `${opts.bigqueryProject}.${opts.bigqueryDataset}.${t}`);

        // Preflight: every table on both sides, every column placed, before anything is written.
        const startedMicros = BigInt(Date.now()) * 1000n;
        const plans = new Map<string, { plan: ColumnPlan; rows: number; target: Target; label: string }>();
        const problems: string[] = [];
        for (const t of ordered) {
            const src = await source.describe(t);
            if (!src) {
                problems.push(`source table ${t} does not exist in database ${source.database}`);
                continue;
            }
            let dst: TargetColumn[] | undefined;
            try {
                dst = await targetOf(t).describe(t);
            } catch (err: any) {
                problems.push(err.message);
                continue;
            }
            if (!dst) {
                problems.push(`target table ${nameIn(t)} does not exist${isAuthTable(t) ? ": apply the Postgres migrations first (pulumi up)" : ""}`);
                continue;
            }
            const plan = planColumns(t, nameIn(t), src, dst, startedMicros, opts.datetimeOffset);
            problems.push(...plan.problems);
            plans.set(t, { plan, rows: await source.count(t), target: targetOf(t), label: `${targetOf(t).label} ${nameIn(t)}` });
        }
        if (problems.length) throw new MoveInputError(`nothing was moved:\n  ${problems.join("\n  ")}`);

        const reports: TableReport[] = [];
        for (const t of ordered) {
            const { plan, rows, target, label } = plans.get(t)!;
            const done = state.tables[t];
            if (opts.dryRun) {
                reports.push({ table: t, target: label, status: "planned", sourceRows: rows });
                continue;
            }
            if (done && done.target === label && !opts.force) {
                reports.push({ table: t, target: label, status: "skipped", sourceRows: done.rows, targetRows: done.rows, sourceChecksum: done.checksum, targetChecksum: done.checksum });
                continue;
            }
            const started = Date.now();
            const progress = new Progress(opts.out, t, rows);
            const sum = new TableChecksum();
            async function* converted(): AsyncGenerator<Record<string, unknown>> {
                let n = 0;
                for await (const raw of source.rows(t, plan.select)) {
                    n++;
                    let row: Record<string, unknown>;
                    try {
                        row = plan.build(raw);
                    } catch (err: any) {
                        const key = plan.select[0] ? ` (${plan.select[0]}=${JSON.stringify(raw[plan.select[0]])})` : "";
                        throw new ConversionError(`row ${n}${key}: ${err.message}`);
                    }
                    sum.add(plan.columns, row);
                    yield row;
                }
            }
            try {
                // The table is no longer verified once its load starts.
                delete state.tables[t];
                writeState(opts.state, state);
                const loaded = await target.load(t, plan.columns, converted(), (k) => progress.add(k));
                progress.finish();
                for (const c of loaded.cascaded ?? []) if (state.tables[c]) delete state.tables[c];
                const verifyStarted = Date.now();
                const back = await target.checksum(t, plan.columns);
                const ok = back.rows === sum.rows && back.value === sum.value;
                const report: TableReport = {
                    table: t, target: label, status: ok ? "verified" : "mismatch", sourceRows: sum.rows, targetRows: back.rows,
                    sourceChecksum: sum.value, targetChecksum: back.value, seconds: (Date.now() - started) / 1000, verifySeconds: (Date.now() - verifyStarted) / 1000,
                };
                reports.push(report);
                if (ok) state.tables[t] = { target: label, rows: sum.rows, checksum: sum.value, verifiedAt: new Date().toISOString() };
                writeState(opts.state, state);
            } catch (err: any) {
                progress.finish();
                const message = err instanceof ConversionError ? `${t} ${err.message}; nothing of ${t} was written` : `${t}: ${err.message}`;
                reports.push({ table: t, target: label, status: "failed", sourceRows: sum.rows, error: message, seconds: (Date.now() - started) / 1000 });
                // A table that cannot be moved stops the run: later tables may depend on it.
                break;
            }
        }
        return reports;
    } finally {
        await source.close().catch(() => undefined);
        await pg?.close().catch(() => undefined);
    }
}
