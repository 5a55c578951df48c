// Rung 4: every BigQuery statement of the stack analyzed by Google's ZetaSQL (the GoogleSQL
// front end) against a catalogue built from the same TypeScript table definitions the stack uses,
// and view logic run on fixture rows by ZetaSQL's reference evaluator.
import { MIGRATION_PHASES } from "../config";
import { CATALOGUE, ColumnDef } from "../components/analytics";
import { stepStatements } from "../components/migration/statements";
import { phaseLayout, snapshotName } from "../components/phase";
import { readSqlFolder } from "../components/sql";
import { qualifiedName } from "../components/tableRef";
import { acquireZetaSql, releaseZetaSql, ZetaSqlServer } from "./server";
import { fromValue, toValue, TypeProto } from "./values";

const KIND: Record<string, string> = {
    STRING: "TYPE_STRING", BYTES: "TYPE_BYTES", INT64: "TYPE_INT64", FLOAT64: "TYPE_DOUBLE", NUMERIC: "TYPE_NUMERIC", BIGNUMERIC: "TYPE_BIGNUMERIC",
    BOOL: "TYPE_BOOL", DATE: "TYPE_DATE", DATETIME: "TYPE_DATETIME", TIME: "TYPE_TIME", TIMESTAMP: "TYPE_TIMESTAMP", JSON: "TYPE_JSON", GEOGRAPHY: "TYPE_GEOGRAPHY",
};

/** A catalogue column as a ZetaSQL type (RECORD → STRUCT, REPEATED → ARRAY). */
export function zetaType(c: ColumnDef): TypeProto {
    const base: TypeProto =
        c.type === "RECORD"
            ? { typeKind: "TYPE_STRUCT", structType: { field: (c.fields ?? []).map((f) => ({ fieldName: f.name, fieldType: zetaType(f) })) } }
            : { typeKind: KIND[c.type] };
    return c.mode === "REPEATED" ? { typeKind: "TYPE_ARRAY", arrayType: { elementType: base } } : base;
}

/** One statement to analyze, with where it comes from. */
export interface Statement {
    readonly file: string;
    readonly sql: string;
    /** Register the query's output columns as this table (views read by other views). */
    readonly registersAs?: string;
    /** Tables a DROP or RENAME acts on: they must exist in the catalogue. */
    readonly mustExist?: readonly string[];
}

/** Rows for one table of an evaluation; `column` declares a table the catalogue lacks (a view's output). */
export interface FixtureTable {
    readonly name: string;
    readonly rows: readonly Record<string, unknown>[];
    readonly column?: readonly { name: string; type: TypeProto }[];
}

/** An evaluated query: output columns with their types, and rows as plain objects. */
export interface QueryResult {
    readonly column: { name: string; type: TypeProto }[];
    readonly rows: Record<string, unknown>[];
}

/** A problem found, as `file:line:col: message`. */
export interface SqlProblem {
    readonly file: string;
    readonly line: number;
    readonly column: number;
    readonly message: string;
}

/** Where the analysed statements are said to live, and the settings they are built with. */
export interface StackStatementSettings {
    readonly project: string;
    readonly dataset: string;
    readonly backup: string;
    /** Only the snapshots' expiration depends on it, as a whole number of days. */
    readonly snapshotExpirationDays: number;
}

const LINT: StackStatementSettings = { project: "synter-lint", dataset: "synter_analytics", backup: "synter_analytics_backup", snapshotExpirationDays: 30 };

/**
 * Every statement the stack runs, taken from the layout of every phase (legacy tables adopted):
 * each view under each suffix, views before the views that read them; every parity query; and
 * every statement of every step's operation, from the function the operations themselves use.
 */
export function stackStatements(settings: StackStatementSettings = LINT): Statement[] {
    const { project, dataset, backup } = settings;
    const sql = { views: readSqlFolder("views"), parity: readSqlFolder("parity") };
    const out: Statement[] = [];
    const seen = new Set<string>();
    const add = (key: string, s: Statement) => {
        if (seen.has(key)) return;
        seen.add(key);
        out.push(s);
    };
    for (const phase of MIGRATION_PHASES) {
        const layout = phaseLayout({ gcpProject: project, legacyTables: "adopt", dataset: { id: dataset }, migration: { phase, backupDatasetId: backup } }, CATALOGUE, sql);
        for (const v of layout.views) add(`view ${layout.v2Suffix} ${v.id}`, { file: v.file, sql: v.query, registersAs: `${project}.${dataset}.${v.id}` });
        for (const step of layout.steps) {
            const file = step.action === "parity" ? step.file : "components/migration/statements.ts";
            for (const s of stepStatements(step, settings)) add(`statement ${s.sql}`, { file, sql: s.sql, mustExist: s.needs.map(qualifiedName) });
        }
    }
    return out;
}

/**
 * The OPTIONS the stack's statements use, with their BigQuery types. Any other option name, or
 * a value of another type, is an analysis error (BigQuery would refuse it at apply time).
 */
export const ALLOWED_OPTIONS: readonly { name: string; type: string }[] = [
    { name: "expiration_timestamp", type: "TYPE_TIMESTAMP" },
    { name: "description", type: "TYPE_STRING" },
    { name: "friendly_name", type: "TYPE_STRING" },
];

const STATEMENT_KINDS = [
    "RESOLVED_QUERY_STMT", "RESOLVED_CREATE_SNAPSHOT_TABLE_STMT", "RESOLVED_DROP_STMT", "RESOLVED_ALTER_TABLE_STMT",
    "RESOLVED_CREATE_TABLE_STMT", "RESOLVED_CREATE_TABLE_AS_SELECT_STMT", "RESOLVED_RENAME_STMT",
];

/** The stack's catalogue registered on the process's ZetaSQL server. */
export class SqlChecker {
    private stopped = false;

    private constructor(
        private readonly zeta: ZetaSqlServer,
        private readonly languageOptions: unknown,
        private readonly tables: { name: string; column: { name: string; type: TypeProto }[] }[],
        private catalogId: unknown,
    ) {}

    private get client(): any {
        return this.zeta.client;
    }

    /** Joins the process's ZetaSQL server and registers the catalogue under project.dataset.table and dataset.table. */
    static async start(project = "synter-lint", dataset = "synter_analytics", backup = "synter_analytics_backup"): Promise<SqlChecker> {
        const zeta = await acquireZetaSql();
        try {
            return await SqlChecker.register(zeta, project, dataset, backup);
        } catch (err) {
            releaseZetaSql();
            throw err;
        }
    }

    private static async register(zeta: ZetaSqlServer, project: string, dataset: string, backup: string): Promise<SqlChecker> {
        const languageOptions = await zeta.languageOptions(STATEMENT_KINDS);
        const tables: { name: string; column: { name: string; type: TypeProto }[] }[] = [];
        for (const t of CATALOGUE) {
            const column = t.columns.map((c) => ({ name: c.name, type: zetaType(c) }));
            for (const name of new Set([t.name, t.productionName ?? t.name])) {
                tables.push({ name: `${project}.${dataset}.${name}`, column }, { name: `${dataset}.${name}`, column });
                if (t.role === "legacy") tables.push({ name: `${project}.${backup}.${snapshotName(name)}`, column });
            }
        }
        const checker = new SqlChecker(zeta, languageOptions, tables, undefined);
        await checker.register();
        return checker;
    }

    private async register(): Promise<void> {
        const previous = this.catalogId;
        const reg = await this.client.registerCatalog({ simpleCatalog: { name: "synter", table: this.tables, builtinFunctionOptions: { languageOptions: this.languageOptions } } });
        this.catalogId = reg.registeredId;
        if (previous !== undefined) await this.client.unRegisterCatalog({ registeredId: previous }).catch(() => undefined);
    }

    private analyzerOptions(): unknown {
        return {
            languageOptions: this.languageOptions,
            errorMessageMode: "ERROR_MESSAGE_MULTI_LINE_WITH_CARET",
            allowedHintsAndOptions: {
                disallowUnknownOptions: true,
                disallowDuplicateOptionNames: true,
                option: ALLOWED_OPTIONS.map((o) => ({ name: o.name, type: { typeKind: o.type } })),
            },
        };
    }

    /** Analyzes statements in order; returns every problem found. */
    async check(statements: readonly Statement[]): Promise<SqlProblem[]> {
        const problems: SqlProblem[] = [];
        const known = new Set(this.tables.map((t) => t.name));
        for (const s of statements) {
            for (const t of s.mustExist ?? []) {
                if (!known.has(t)) problems.push({ file: s.file, line: 1, column: 1, message: `${s.sql.split("\n")[0]}: table ${t} is not in the catalogue` });
            }
            try {
                const r = await this.client.analyze({ registeredCatalogId: this.catalogId, sqlStatement: s.sql, options: this.analyzerOptions() });
                if (s.registersAs && !known.has(s.registersAs)) {
                    const cols = r.resolvedStatement.resolvedQueryStmtNode.outputColumnList.map((o: any) => ({ name: o.name, type: o.column.type }));
                    this.tables.push({ name: s.registersAs, column: cols });
                    known.add(s.registersAs);
                    await this.register();
                }
            } catch (err: any) {
                const text: string = err?.details ?? String(err);
                const at = text.match(/\[at (\d+):(\d+)\]/);
                problems.push({ file: s.file, line: at ? Number(at[1]) : 1, column: at ? Number(at[2]) : 1, message: text.replace(/\s*\[at \d+:\d+\]/, "") });
            }
        }
        return problems;
    }

    /**
     * Runs a query on fixture rows through ZetaSQL's reference evaluator (EvaluateQuery). Every
     * catalogue table is known (empty unless given rows), so the query sees the stack's real
     * schemas; `inputs` adds rows, or whole tables such as a view's output read by another view.
     */
    async evaluate(sql: string, inputs: readonly FixtureTable[]): Promise<QueryResult> {
        const tables = new Map(this.tables.map((t) => [t.name, t]));
        for (const i of inputs) if (i.column) tables.set(i.name, { name: i.name, column: [...i.column] });
        const tableContent: Record<string, unknown> = {};
        for (const i of inputs) {
            const table = tables.get(i.name);
            if (!table) throw new Error(`fixture table ${i.name} is not in the catalogue`);
            const row = i.rows.map((r, n) => {
                const unknown = Object.keys(r).filter((k) => !table.column.some((c) => c.name === k));
                if (unknown.length) throw new Error(`${i.name} row ${n + 1}: no column ${unknown.join(", ")}`);
                return { cell: table.column.map((c) => toValue(c.type, r[c.name], `${i.name} row ${n + 1} ${c.name}`)) };
            });
            tableContent[i.name] = { tableData: { row } };
        }
        const request = {
            sql,
            options: this.analyzerOptions(),
            simpleCatalog: { name: "synter", table: [...tables.values()], builtinFunctionOptions: { languageOptions: this.languageOptions } },
            tableContent,
        };
        const response: any = await this.zeta.call("evaluateQuery", request);
        const column = (response.prepared.columns as any[]).map((c) => ({ name: c.name as string, type: c.type as TypeProto }));
        const rows = ((response.content?.tableData?.row ?? []) as any[]).map((r) => Object.fromEntries(column.map((c, i) => [c.name, fromValue(c.type, r.cell[i])])));
        return { column, rows };
    }

    /** Unregisters the catalogue and leaves the server to its other users (or stops it, when none remain). */
    stop(): void {
        if (this.stopped) return;
        this.stopped = true;
        const id = this.catalogId;
        if (id === undefined) return releaseZetaSql();
        this.client.unRegisterCatalog({ registeredId: id }).catch(() => undefined).finally(() => releaseZetaSql());
    }
}
