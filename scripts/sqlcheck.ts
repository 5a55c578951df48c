// Rung 4: every BigQuery statement of the stack analyzed by Google's ZetaSQL (the GoogleSQL
// front end) against a catalogue built from the same TypeScript table definitions the stack uses.
import { CATALOGUE, ColumnDef, planViews } from "../components/analytics";
import { cloneDdl, dropDdl, migrationInputs, migrationSteps, renameDdl, rowCountsQuery, snapshotDdl } from "../components/migration";
import { fillPlaceholders, readSqlFolder, SqlContext } from "../components/sql";

// eslint-disable-next-line @typescript-eslint/no-var-requires
const zetasql = require("@fivetrandevelopers/zetasql");

type TypeProto = { typeKind: string | number; arrayType?: { elementType: TypeProto }; structType?: { field: { fieldName: string; fieldType: TypeProto }[] } };

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

/** A problem found, as `file:line:col: message`. */
export interface SqlProblem {
    readonly file: string;
    readonly line: number;
    readonly column: number;
    readonly message: string;
}

/** Every statement the stack runs, for both suffixes of the migration, in dependency order. */
export function stackStatements(project = "synter-lint", dataset = "synter_analytics", backup = "synter_analytics_backup"): Statement[] {
    const out: Statement[] = [];
    const viewFiles = readSqlFolder("views");
    const names = new Set(CATALOGUE.flatMap((t) => [t.name, t.productionName ?? t.name]));
    for (const v2 of ["_v2", ""]) {
        const ctx: SqlContext = { project, dataset, v2 };
        for (const view of planViews(viewFiles, ctx, names)) {
            const file = viewFiles.find((f) => f.name === view.baseName)!;
            out.push({ file: view.file, sql: fillPlaceholders(file, ctx), registersAs: `${project}.${dataset}.${view.id}` });
        }
    }
    const migration = migrationInputs(project, dataset, backup, "adopt");
    for (const p of migration.steps.parity) out.push({ file: p.file, sql: migration.parityQueries[p.name] });
    const ref = (q: string) => ({ project, dataset: q.split(".")[0], table: q.split(".")[1] });
    const gen = "components/migration/ddl.ts";
    for (const phase of ["cutover", "rollback"] as const) {
        for (const s of migrationSteps(phase, migration.steps)) {
            if (s.action === "snapshot") {
                out.push({ file: gen, sql: snapshotDdl(ref(s.source), ref(s.target), 30), mustExist: [`${project}.${s.source}`] });
                out.push({ file: gen, sql: rowCountsQuery(ref(s.source), ref(s.target)) });
            } else if (s.action === "drop") out.push({ file: gen, sql: dropDdl(ref(s.target)), mustExist: [`${project}.${s.target}`] });
            else if (s.action === "rename") out.push({ file: gen, sql: renameDdl(ref(s.source), ref(s.target).table), mustExist: [`${project}.${s.source}`] });
            else if (s.action === "restore") out.push({ file: gen, sql: cloneDdl(ref(s.source), ref(s.target)), mustExist: [`${project}.${s.source}`] });
        }
    }
    return out;
}

const STATEMENT_KINDS = [
    "RESOLVED_QUERY_STMT", "RESOLVED_CREATE_SNAPSHOT_TABLE_STMT", "RESOLVED_DROP_STMT", "RESOLVED_ALTER_TABLE_STMT",
    "RESOLVED_CREATE_TABLE_STMT", "RESOLVED_CREATE_TABLE_AS_SELECT_STMT", "RESOLVED_RENAME_STMT",
];

/** A running ZetaSQL server with the stack's catalogue registered. */
export class SqlChecker {
    private constructor(
        private readonly client: any,
        private readonly languageOptions: unknown,
        private readonly tables: { name: string; column: { name: string; type: TypeProto }[] }[],
        private catalogId: unknown,
    ) {}

    /** Starts the server (once per process) and registers the catalogue under project.dataset.table and dataset.table. */
    static async start(project = "synter-lint", dataset = "synter_analytics", backup = "synter_analytics_backup"): Promise<SqlChecker> {
        const port = 20000 + Math.floor(Math.random() * 20000);
        zetasql.runServer(port).catch(() => undefined);
        zetasql.ZetaSQLClient.init(port);
        const client = zetasql.ZetaSQLClient.getInstance();
        let up = false;
        for (let i = 0; i < 100 && !up; i++) {
            up = await client.testConnection().catch(() => false);
            if (!up) await new Promise((r) => setTimeout(r, 100));
        }
        if (!up) throw new Error("the ZetaSQL server did not start");
        const base = await client.getLanguageOptions({ maximumFeatures: true, languageVersion: "VERSION_CURRENT" });
        // Snapshot and clone DDL are BigQuery features ZetaSQL keeps off unless asked for.
        const features = [...(base.enabledLanguageFeatures ?? []), "FEATURE_CREATE_SNAPSHOT_TABLE", "FEATURE_CREATE_TABLE_CLONE"];
        const languageOptions = { ...base, enabledLanguageFeatures: features, productMode: "PRODUCT_EXTERNAL", supportedStatementKinds: STATEMENT_KINDS };
        const tables: { name: string; column: { name: string; type: TypeProto }[] }[] = [];
        for (const t of CATALOGUE) {
            const column = t.columns.map((c) => ({ name: c.name, type: zetaType(c) }));
            for (const name of new Set([t.name, t.productionName ?? t.name])) {
                tables.push({ name: `${project}.${dataset}.${name}`, column }, { name: `${dataset}.${name}`, column });
                if (t.role === "legacy") tables.push({ name: `${project}.${backup}.${name}__pre_cutover`, column });
            }
        }
        const checker = new SqlChecker(client, languageOptions, tables, undefined);
        await checker.register();
        return checker;
    }

    private async register(): Promise<void> {
        const previous = this.catalogId;
        const reg = await this.client.registerCatalog({ simpleCatalog: { name: "synter", table: this.tables, builtinFunctionOptions: { languageOptions: this.languageOptions } } });
        this.catalogId = reg.registeredId;
        if (previous !== undefined) await this.client.unRegisterCatalog({ registeredId: previous }).catch(() => undefined);
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
                const r = await this.client.analyze({ registeredCatalogId: this.catalogId, sqlStatement: s.sql, options: { languageOptions: this.languageOptions, errorMessageMode: "ERROR_MESSAGE_MULTI_LINE_WITH_CARET" } });
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

    stop(): void {
        zetasql.terminateServer();
    }
}
