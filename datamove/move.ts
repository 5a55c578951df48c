// The data move from SingleStore/MySQL: auth tables into PostgreSQL, analytics tables into
// BigQuery. Each table is streamed in primary-key order, written once, and verified by comparing
// two fingerprints computed independently of the conversion: the source's from its own raw
// text, the target's from what the target holds (see canonical.ts). Tables go side by side
// wherever foreign keys allow. Preflight checks everything it can before writing anything.
import { ConversionError, Fingerprint, keyBucket, offsetSeconds, type RawValue, rowText } from "./canonical";
import { openBigQuery } from "./bigqueryTarget";
import { planTable, rowName, type TablePlan } from "./plan";
import { AUTH_SCHEMA, openPostgres } from "./postgresTarget";
import { ProgressBoard, type ProgressSink } from "./progress";
import { openSource, redact, type RowStream, type Source, SourceError } from "./source";
import { readState, writeState } from "./state";
import type { Corrupt, LoadJob, Loaded, Target } from "./target";

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
    /** MySQL zero dates: an error naming the row (default), or NULL. */
    readonly zeroDates?: "error" | "null";
    /** Tables moved at once (foreign keys permitting). */
    readonly parallel?: number;
    /** Resume file. */
    readonly state: string;
    /** Move tables again even when the state says they were verified. */
    readonly force: boolean;
    readonly out: ProgressSink;
    /** Fault injection for tests: a lossy conversion the verification must catch. */
    readonly corrupt?: Corrupt;
}

export interface TableReport {
    readonly table: string;
    readonly target: string;
    readonly status: "verified" | "skipped" | "planned" | "mismatch" | "failed" | "stopped";
    readonly sourceRows: number;
    readonly targetRows?: number;
    readonly sourceChecksum?: string;
    readonly targetChecksum?: string;
    /** Whole table: load and verification. */
    readonly seconds?: number;
    /** Of which computing the target's fingerprint and comparing. */
    readonly verifySeconds?: number;
    readonly error?: string;
    /** For a mismatch: the first rows that differ, each naming its key, column and both values. */
    readonly differences?: string[];
}

/** Rows of differences reported, and buckets searched for them. */
const MAX_DIFFERENCES = 10;
const MAX_BUCKETS = 16;

/**
 * The source side of one table: its fingerprint. Rows are not kept: a COPY error's line is found
 * again in the source by position in key order, so memory stays flat and rows die young.
 */
class SourceSide {
    readonly fp = new Fingerprint();
    n = 0;

    constructor(private readonly plan: TablePlan) {}

    take(row: RawValue[]): void {
        this.n++;
        const columns = this.plan.columns;
        let text = "";
        for (let i = 0; i < columns.length; i++) {
            const v = columns[i].canonical(row);
            text += v === null ? "~" : `${Buffer.byteLength(v)}:${v}`;
        }
        this.fp.add(text);
    }
}

/** Runs the move; throws MoveInputError (nothing written) on bad input. */
export async function moveData(opts: MoveOptions): Promise<TableReport[]> {
    const tables = opts.tables?.length ? [...opts.tables] : [...ALL_TABLES];
    const unknown = tables.filter((t) => !ALL_TABLES.includes(t));
    if (unknown.length) throw new MoveInputError(`--tables: unknown ${unknown.join(", ")}; the tables are ${ALL_TABLES.join(", ")}`);
    const ordered = ALL_TABLES.filter((t) => tables.includes(t));
    const pgTables = ordered.filter(isAuthTable);
    const bqTables = ordered.filter((t) => !isAuthTable(t));
    if (pgTables.length && !opts.postgres) throw new MoveInputError(`--postgres is required to move ${pgTables.join(", ")}`);
    if (bqTables.length && !opts.bigqueryProject) throw new MoveInputError(`--bigquery-project is required to move ${bqTables.join(", ")}`);
    let offset: number;
    try {
        offset = offsetSeconds(opts.datetimeOffset);
    } catch {
        throw new MoveInputError(`--datetime-offset ${opts.datetimeOffset}: expected ±HH:MM, e.g. +00:00`);
    }
    const zeroDates = opts.zeroDates ?? "error";
    const parallel = Math.max(1, opts.parallel ?? 4);
    const state = readState(opts.state);

    let source: Source;
    try {
        source = await openSource(opts.source);
    } catch (err: any) {
        throw new MoveInputError(err instanceof SourceError ? err.message : `cannot connect to the source ${redact(opts.source)}: ${err.message}`);
    }
    let pg: Target | undefined;
    try {
        try {
            pg = pgTables.length ? await openPostgres(opts.postgres!) : undefined;
        } catch (err: any) {
            throw new MoveInputError(err.message);
        }
        const bq = bqTables.length ? openBigQuery(opts.bigqueryProject!, opts.bigqueryDataset, opts.bigqueryLocation) : undefined;
        const targetOf = (t: string): Target => (isAuthTable(t) ? pg! : bq!);
        const nameIn = (t: string) => (isAuthTable(t) ? `${AUTH_SCHEMA}.${t}` : `${opts.bigqueryProject}.${opts.bigqueryDataset}.${t}`);

        // Preflight: every table on both sides, every column placed, before anything is written.
        const startedMicros = BigInt(Date.now()) * 1000n;
        const planOptions = { datetimeOffsetSeconds: offset, datetimeOffset: opts.datetimeOffset, zeroDates, startedMicros };
        const plans = new Map<string, { plan: TablePlan; rows: number; target: Target; label: string }>();
        const problems: string[] = [];
        for (const t of ordered) {
            const src = await source.describe(t);
            if (!src) {
                problems.push(`source table ${t} does not exist in database ${source.database}`);
                continue;
            }
            let dst;
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
            const plan = planTable(t, nameIn(t), src, dst, { ...planOptions, writer: isAuthTable(t) ? "postgres" : "bigquery" });
            problems.push(...plan.problems);
            plans.set(t, { plan, rows: await source.count(t), target: targetOf(t), label: `${targetOf(t).label} ${nameIn(t)}` });
        }

        // Foreign keys: a table waits for the tables it references, and replacing a table empties
        // the tables that reference it, so they are moved again too.
        const references = new Map<string, string[]>();
        if (pg) for (const [t, refs] of await pg.references(pgTables)) references.set(t, refs);
        const dependents = (t: string) => [...references].filter(([, refs]) => refs.includes(t)).map(([d]) => d);
        const move = new Set(ordered.filter((t) => opts.force || !(state.tables[t] && state.tables[t].target === plans.get(t)?.label)));
        for (let grew = true; grew; ) {
            grew = false;
            for (const t of [...move]) {
                for (const d of dependents(t)) {
                    if (move.has(d)) continue;
                    if (!ordered.includes(d)) {
                        problems.push(`moving ${t} empties ${AUTH_SCHEMA}.${d}, which references it: ${ALL_TABLES.includes(d) ? `move ${d} too (--tables)` : "the mover does not know that table"}`);
                        continue;
                    }
                    move.add(d);
                    grew = true;
                }
            }
        }
        if (problems.length) throw new MoveInputError(`nothing was moved:\n  ${[...new Set(problems)].join("\n  ")}`);

        const reports = new Map<string, TableReport>();
        for (const t of ordered) {
            const { rows, label } = plans.get(t)!;
            const done = state.tables[t];
            if (opts.dryRun) reports.set(t, { table: t, target: label, status: "planned", sourceRows: rows });
            else if (!move.has(t)) reports.set(t, { table: t, target: label, status: "skipped", sourceRows: done.rows, targetRows: done.rows, sourceChecksum: done.checksum, targetChecksum: done.checksum });
        }
        if (opts.dryRun) return ordered.map((t) => reports.get(t)!);

        const board = new ProgressBoard(opts.out);
        const moveOne = async (t: string): Promise<TableReport> => {
            const { plan, rows, target, label } = plans.get(t)!;
            const started = Date.now();
            const progress = board.table(t, rows);
            const side = new SourceSide(plan);
            let loaded: Loaded | undefined;
            const orderBy = plan.key.names;
            let stream: RowStream | undefined;
            const job: LoadJob = {
                plan,
                rows: { [Symbol.asyncIterator]: () => stream![Symbol.asyncIterator]() },
                take: (row) => side.take(row),
                rowError: (row, err: any) => {
                    const e = new Error(`row ${rowName(plan, row)}: ${err instanceof ConversionError ? err.message : err?.message ?? String(err)}`);
                    (e as any).named = true;
                    return e;
                },
                // Rows are read in key order, so line n is the n-th row in that order; a table
                // without a key has no order to find it by.
                rowOnLine: async (line) => (orderBy.length ? source.rowAt(t, plan.select, orderBy, line - 1) : undefined),
                rowWith: async (columns, values) => {
                    const pairs = columns.map((c, i) => [plan.select.find((s) => s.name.toLowerCase() === c.toLowerCase())?.name, values[i]] as const);
                    if (pairs.some(([c]) => c === undefined)) return undefined;
                    return (await source.find(t, plan.select, pairs as [string, string][], orderBy, 1))[0];
                },
                onRows: (n) => progress.add(n),
                corrupt: opts.corrupt,
            };
            let loadedOk = false;
            try {
                // The table is no longer verified once its load starts.
                delete state.tables[t];
                writeState(opts.state, state);
                stream = await source.rows(t, plan.select, orderBy);
                try {
                    loaded = await target.load(job);
                } finally {
                    await stream.close().catch(() => undefined);
                }
                loadedOk = true;
                progress.finish();
                for (const c of loaded.cascaded) delete state.tables[c];
                const verifyStarted = Date.now();
                const back = await loaded.fingerprint();
                const base = { table: t, target: label, sourceRows: side.fp.rows, targetRows: back.rows, sourceChecksum: side.fp.value, targetChecksum: back.value };
                if (back.rows === side.fp.rows && back.value === side.fp.value) {
                    await loaded.commit();
                    state.tables[t] = { target: label, rows: side.fp.rows, checksum: side.fp.value, verifiedAt: new Date().toISOString() };
                    writeState(opts.state, state);
                    return { ...base, status: "verified", seconds: (Date.now() - started) / 1000, verifySeconds: (Date.now() - verifyStarted) / 1000 };
                }
                const differences = await findDifferences(source, plan, target.label, loaded);
                await loaded.rollback();
                const outcome = target.transactional ? `rolled back: ${t} was left as it was` : `the load job replaced ${t}; it is not recorded as verified`;
                return {
                    ...base,
                    status: "mismatch",
                    seconds: (Date.now() - started) / 1000,
                    verifySeconds: (Date.now() - verifyStarted) / 1000,
                    differences,
                    error: `${t}: what the target holds is not what was read (${side.fp.rows} rows read, ${back.rows} in the target); ${outcome}${differences.length ? `:\n    ${differences.join("\n    ")}` : ""}`,
                };
            } catch (err: any) {
                progress.finish();
                await loaded?.rollback().catch(() => undefined);
                const written = loadedOk && !target.transactional ? `; the load job replaced ${t}, which is not verified` : `; nothing of ${t} was written`;
                return { table: t, target: label, status: "failed", sourceRows: side.n, error: `${t}${err?.named ? " " : ": "}${err?.message ?? String(err)}${written}`, seconds: (Date.now() - started) / 1000 };
            }
        };

        // Side by side, each table after the tables it references; the first failure stops new starts.
        const pending = ordered.filter((t) => move.has(t));
        const running = new Map<string, Promise<void>>();
        let stopped: string | undefined;
        while (pending.length || running.size) {
            const ready = stopped
                ? []
                : pending.filter((t) => (references.get(t) ?? []).every((r) => !move.has(r) || reports.get(r)?.status === "verified" || !ordered.includes(r)));
            for (const t of ready.slice(0, parallel - running.size)) {
                pending.splice(pending.indexOf(t), 1);
                running.set(
                    t,
                    moveOne(t).then((r) => {
                        reports.set(t, r);
                        if (r.status !== "verified" && !stopped) stopped = t;
                        running.delete(t);
                    }),
                );
            }
            if (running.size === 0) {
                // Nothing can start: what is left waits on a table that did not verify.
                for (const t of pending) reports.set(t, { table: t, target: plans.get(t)!.label, status: "stopped", sourceRows: plans.get(t)!.rows, error: `${t}: not moved: the run stopped at ${stopped ?? "a table that did not verify"}` });
                break;
            }
            await Promise.race(running.values());
        }
        return ordered.filter((t) => reports.has(t)).map((t) => reports.get(t)!);
    } finally {
        await source.close().catch(() => undefined);
        await pg?.close().catch(() => undefined);
    }
}

/**
 * The rows behind a fingerprint mismatch. Both sides are summed again per bucket of their key's
 * hash; the rows of the first buckets that differ are read again from both sides and matched by
 * key. Memory holds those buckets' rows only.
 */
async function findDifferences(source: Source, plan: TablePlan, targetLabel: string, loaded: Loaded): Promise<string[]> {
    const keyed = plan.key.targetIndexes.length > 0 && plan.key.targetIndexes.every((i) => i >= 0);
    const key = keyed ? plan.key.targetIndexes : plan.columns.map((_, i) => i);
    const keyText = (values: (string | null)[]) => rowText(key.map((i) => values[i]));
    const sourceRows = async function* () {
        const stream = await source.rows(plan.table, plan.select, plan.key.names);
        try {
            for await (const raw of stream) yield { raw, values: plan.columns.map((c) => c.canonical(raw)) };
        } finally {
            await stream.close();
        }
    };
    const read = new Fingerprint();
    for await (const { values } of sourceRows()) read.add(rowText(values), keyBucket(keyText(values)));
    const buckets = new Set(read.differingBuckets(await loaded.buckets(key)).slice(0, MAX_BUCKETS));
    const fromSource = new Map<string, { values: (string | null)[]; raw: RawValue[] }>();
    for await (const row of sourceRows()) {
        const k = keyText(row.values);
        if (buckets.has(keyBucket(k))) fromSource.set(k, row);
    }
    const held = new Map<string, (string | null)[]>();
    for await (const values of loaded.rowsIn(key, buckets)) held.set(keyText(values), values);
    const names = plan.columns.map((c) => c.target.name);
    const canonicalKey = (values: (string | null)[]) => {
        const parts = key.map((i) => `${names[i]}=${showCanonical(values[i])}`);
        return parts.length === 1 ? parts[0] : `(${parts.join(", ")})`;
    };
    const out: string[] = [];
    for (const [k, src] of fromSource) {
        if (out.length >= MAX_DIFFERENCES) break;
        const tgt = held.get(k);
        const name = `${plan.table} row ${rowName(plan, src.raw)}`;
        if (!tgt) {
            out.push(`${name}: read from the source, not in ${targetLabel}`);
            continue;
        }
        held.delete(k);
        src.values.forEach((v, i) => {
            if (v !== tgt[i] && out.length < MAX_DIFFERENCES) out.push(`${name}: column ${names[i]}: read ${pair(v, tgt[i])[0]}, ${targetLabel} holds ${pair(v, tgt[i])[1]}`);
        });
        if (src.values.every((v, i) => v === tgt[i]) && out.length < MAX_DIFFERENCES) out.push(`${name}: equal when compared again (the fingerprints disagree: was the source written to during the move?)`);
    }
    for (const [, tgt] of held) {
        if (out.length >= MAX_DIFFERENCES) break;
        out.push(`${plan.table} row ${canonicalKey(tgt)}: in ${targetLabel}, not in the source`);
    }
    return out;
}

const showCanonical = (v: string | null) => (v === null ? "NULL" : /^-?\d+(\.\d+)?$/.test(v) && v.length <= 40 ? v : JSON.stringify(v.length > 80 ? v.slice(0, 80) + "…" : v));

/** Two canonical values as a message shows them: long ones cut around where they first differ. */
function pair(a: string | null, b: string | null): [string, string] {
    if (a === null || b === null || (a.length <= 80 && b.length <= 80)) return [showCanonical(a), showCanonical(b)];
    let i = 0;
    while (i < a.length && a[i] === b[i]) i++;
    const cut = (s: string) => JSON.stringify(`${i > 30 ? "…" : ""}${s.slice(Math.max(0, i - 30), i + 50)}${i + 50 < s.length ? "…" : ""}`);
    return [cut(a), cut(b)];
}
