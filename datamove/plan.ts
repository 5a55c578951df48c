// How one source table fills one target table: which source column goes where, how each value is
// read into its canonical text (for the fingerprint) and how it is written (for the load). The
// two are planned side by side but never share code: see canonical.ts and convert.ts.
import { EMPTY_LIST, PAIRS, type RawValue, recordText, type ReadOptions, type SourceColumn, sourceCanonical, type TargetColumn } from "./canonical";
import { microsToIso } from "../lib/time";
import { bqConverter, pgConverter, type WriteOptions } from "./convert";
import type { SourceTable } from "./source";

export interface PlannedColumn {
    readonly target: TargetColumn;
    /** The canonical text the fingerprint takes for this column, from the raw source row. */
    readonly canonical: (row: RawValue[]) => string | null;
    /** PostgreSQL's input text (null is SQL NULL), when the target is PostgreSQL. */
    readonly pg: (row: RawValue[]) => string | null;
    /** The field's JSON in a BigQuery load line (undefined leaves it out: SQL NULL). */
    readonly bq: (row: RawValue[]) => string | undefined;
    /** Whether the PostgreSQL text may hold characters COPY must escape. */
    readonly escape: boolean;
}

export interface TablePlan {
    readonly table: string;
    /** Qualified target name for messages. */
    readonly targetName: string;
    /** Target columns the load writes and the fingerprint covers, in order. */
    readonly columns: PlannedColumn[];
    /** Source columns read, in the order of the raw row. */
    readonly select: SourceColumn[];
    /** The row's key: its columns' positions in the raw row (empty: the row has no key and is named by all its values). */
    readonly key: { readonly names: string[]; readonly indexes: number[]; readonly targetIndexes: number[] };
    readonly problems: string[];
}

export interface PlanOptions extends ReadOptions, WriteOptions {
    /** The target kind: only its writer is built. */
    readonly writer: "postgres" | "bigquery";
    /** The move's start, stamped into a required ingested_at the source lacks. */
    readonly startedMicros: bigint;
}

/**
 * Matches columns by name. A RECORD column is filled from flattened source columns
 * `<record>_<field>` (conversions.attribution ← attribution_method, attribution_confidence).
 * A target column the source lacks is left to its default (PostgreSQL), stamped with the move's
 * start (a required `ingested_at`), or NULL; a required one with none of these is a problem, as
 * is a source column with no place in the target (its data would be lost) and a pair of types
 * the mover has no canonical form for.
 */
export function planTable(table: string, targetName: string, source: SourceTable, target: readonly TargetColumn[], o: PlanOptions): TablePlan {
    const problems: string[] = [];
    const byName = new Map(source.columns.map((c) => [c.name.toLowerCase(), c]));
    const used = new Set<string>();
    const pairOk = (s: SourceColumn, t: TargetColumn) => {
        if (t.type === "RECORD") return false;
        const pair = PAIRS[t.type];
        if (s.kind && pair.from.includes(s.kind)) return true;
        problems.push(
            `${table}.${s.name} (MySQL ${s.columnType}) into ${targetName}.${t.name} (${t.sqlType ?? t.type}): not a type pair the mover can verify; ${t.type} takes ${pair.from.join(", ")}`,
        );
        return false;
    };
    // Columns are resolved to raw-row positions once select is known; until then by source column.
    type Draft = { target: TargetColumn; build: (index: (s: SourceColumn) => number) => PlannedColumn };
    const drafts: Draft[] = [];
    const simple = (s: SourceColumn, t: TargetColumn): Draft["build"] => (index) => {
        const i = index(s);
        const canon = sourceCanonical(s, t, o);
        const pg = o.writer === "postgres" ? pgConverter(s, t, o) : () => null;
        const bq = o.writer === "bigquery" ? bqConverter(s, t, o) : () => undefined;
        return { target: t, canonical: (row) => canon(row[i]), pg: (row) => pg(row[i]), bq: (row) => bq(row[i]), escape: t.type === "STRING" || t.type === "JSON" || t.type === "INET" };
    };
    for (const t of target) {
        const s = byName.get(t.name.toLowerCase());
        if (t.type === "RECORD") {
            const parts = (t.fields ?? []).map((f) => ({ f, s: byName.get(`${t.name}_${f.name}`.toLowerCase()) }));
            if (parts.some((p) => p.s)) {
                parts.forEach((p) => p.s && used.add(p.s.name.toLowerCase()));
                if (!parts.every((p) => !p.s || pairOk(p.s, p.f))) continue;
                drafts.push({
                    target: t,
                    build: (index) => {
                        const fields = parts.map((p) => (p.s ? simple(p.s, p.f)(index) : undefined));
                        const names = parts.map((p) => JSON.stringify(p.f.name));
                        return {
                            target: t,
                            canonical: (row) => recordText(fields.map((f) => (f ? f.canonical(row) : null))),
                            pg: () => null,
                            bq: (row) => {
                                let out = "";
                                fields.forEach((f, i) => {
                                    const v = f?.bq(row);
                                    if (v !== undefined) out += `${out ? "," : ""}${names[i]}:${v}`;
                                });
                                return out ? `{${out}}` : undefined;
                            },
                            escape: false,
                        };
                    },
                });
            } else if (t.required) problems.push(`${targetName}.${t.name} is required and ${table} has no ${t.name}_* columns`);
            continue;
        }
        if (s) {
            used.add(s.name.toLowerCase());
            if (pairOk(s, t)) drafts.push({ target: t, build: simple(s, t) });
        } else if (t.hasDefault) {
            // Left out of the load: PostgreSQL fills it.
        } else if (t.name === "ingested_at" && t.type === "TIMESTAMP" && !t.repeated) {
            const micros = o.startedMicros.toString();
            const iso = microsToIso(o.startedMicros);
            drafts.push({ target: t, build: () => ({ target: t, canonical: () => micros, pg: () => iso, bq: () => `"${iso}"`, escape: false }) });
        } else if (t.repeated) {
            drafts.push({ target: t, build: () => ({ target: t, canonical: () => EMPTY_LIST, pg: () => null, bq: () => "[]", escape: false }) });
        } else if (!t.required) {
            drafts.push({ target: t, build: () => ({ target: t, canonical: () => null, pg: () => null, bq: () => undefined, escape: false }) });
        } else {
            problems.push(`${targetName}.${t.name} is required and ${table} has no column ${t.name}`);
        }
    }
    for (const s of source.columns) {
        if (!used.has(s.name.toLowerCase())) problems.push(`${table}.${s.name} has no column in ${targetName}: its data would be lost`);
        else if (!s.kind) problems.push(`${table}.${s.name}: MySQL type ${s.columnType} is not one the mover reads`);
    }
    const select = source.columns.filter((s) => used.has(s.name.toLowerCase()));
    const position = new Map(select.map((s, i) => [s, i]));
    const columns = problems.length ? [] : drafts.map((d) => d.build((s) => position.get(s)!));
    const keyNames = source.key.filter((k) => select.some((s) => s.name === k));
    const names = keyNames.length === source.key.length ? keyNames : [];
    return {
        table,
        targetName,
        columns,
        select,
        key: {
            names,
            indexes: names.map((k) => select.findIndex((s) => s.name === k)),
            targetIndexes: names.map((k) => columns.findIndex((c) => c.target.name.toLowerCase() === k.toLowerCase())),
        },
        problems,
    };
}

/** How errors name a row: its key ("id=12", "(a=1, b=\"x\")"), or all its values when it has none. */
export function rowName(plan: TablePlan, row: readonly RawValue[]): string {
    const show = (v: RawValue) => (v === null ? "NULL" : Buffer.isBuffer(v) ? `0x${v.toString("hex")}` : /^-?\d+(\.\d+)?$/.test(v) ? v : JSON.stringify(v));
    const names = plan.key.names.length ? plan.key.names : plan.select.map((s) => s.name);
    const indexes = plan.key.names.length ? plan.key.indexes : plan.select.map((_, i) => i);
    const parts = names.map((n, i) => `${n}=${show(row[indexes[i]])}`);
    return parts.length === 1 ? parts[0] : `(${parts.join(", ")})`;
}
