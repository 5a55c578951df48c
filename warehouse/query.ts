// Statements, understood by ZetaSQL's analyzer and computed by its reference evaluator
// (EvaluateQuery) on the stored rows. Nothing here reads SQL text with a regular expression:
// what a statement is, which tables it reads and where they are named in the text, its options
// and its filters all come from the resolved AST.
//
// Two catalogues are registered with ZetaSQL. The analysis catalogue names every table the
// ways BigQuery lets a query name it (`p.d.t` as one identifier, p.d.t, and d.t in the job's
// project) and changes only when tables appear, go or change schema. The evaluator only reads
// contents of top-level tables, so each evaluation gets a flat catalogue of the tables the
// query reads, under their canonical `p.d.t` names with their rows, and the query's table names
// are rewritten to those names at the positions the analyzer reported. Those catalogues are kept
// while their tables are unchanged, so repeated queries do not send the same rows again.
import { TypeProto } from "../zetasql/values";
import { ZetaSqlServer, zetaSqlMessage } from "../zetasql/server";
import { encodeTableContent, encodeValue } from "../zetasql/wire";
import { Cell, cellToValue, Row, RowProblem, timestampMicros, valueToCell } from "./cells";
import { BigQueryError, duplicate, invalid, invalidQuery, notFound, unsupported } from "./errors";
import { Field, fieldOfZetaType, findField, zetaTypeOf } from "./schema";
import { reshapeRows, Store, tableKey, tableLabel, TableRecord } from "./store";

/** The statements the warehouse runs; ZetaSQL refuses every other kind by name. */
export const STATEMENT_KINDS = [
    "RESOLVED_QUERY_STMT", "RESOLVED_CREATE_SNAPSHOT_TABLE_STMT", "RESOLVED_CREATE_TABLE_STMT", "RESOLVED_CREATE_TABLE_AS_SELECT_STMT",
    "RESOLVED_CREATE_VIEW_STMT", "RESOLVED_DROP_STMT", "RESOLVED_DROP_SNAPSHOT_TABLE_STMT", "RESOLVED_ALTER_TABLE_STMT",
    "RESOLVED_INSERT_STMT", "RESOLVED_DELETE_STMT", "RESOLVED_UPDATE_STMT", "RESOLVED_TRUNCATE_STMT",
];

const EXTRA_FEATURES = ["FEATURE_V_1_3_ALLOW_DASHES_IN_TABLE_NAME", "FEATURE_CREATE_TABLE_PARTITION_BY", "FEATURE_CREATE_TABLE_CLUSTER_BY", "FEATURE_CREATE_TABLE_NOT_NULL"];

const STRING_PAIR: TypeProto = { typeKind: "TYPE_STRUCT", structType: { field: [{ fieldName: "", fieldType: { typeKind: "TYPE_STRING" } }, { fieldName: "", fieldType: { typeKind: "TYPE_STRING" } }] } };

/** BigQuery's table options with their types: any other name, or a value of another type, is an analysis error. */
export const TABLE_OPTIONS: readonly { name: string; type: TypeProto }[] = [
    { name: "expiration_timestamp", type: { typeKind: "TYPE_TIMESTAMP" } },
    { name: "description", type: { typeKind: "TYPE_STRING" } },
    { name: "friendly_name", type: { typeKind: "TYPE_STRING" } },
    { name: "labels", type: { typeKind: "TYPE_ARRAY", arrayType: { elementType: STRING_PAIR } } },
    { name: "require_partition_filter", type: { typeKind: "TYPE_BOOL" } },
    { name: "partition_expiration_days", type: { typeKind: "TYPE_DOUBLE" } },
];

export interface TableName {
    readonly projectId: string;
    readonly datasetId: string;
    readonly tableId: string;
}

export interface StatementResult {
    /** SELECT, CREATE_SNAPSHOT_TABLE, CREATE_TABLE, DROP_TABLE, ALTER_TABLE, ... (a job's statistics.query.statementType). */
    readonly statementType: string;
    readonly schema?: Field[];
    readonly rows?: Row[];
    /** The estimate a dry run reports: the bytes of every table the statement reads (views expanded). */
    readonly bytesProcessed: number;
    readonly referencedTables: TableName[];
    readonly ddl?: { readonly operation: string; readonly target: TableName };
    readonly affectedRows?: number;
}

export interface RunOptions {
    /** The job's project: the project of names that give only dataset.table. */
    readonly project: string;
    /** The job's defaultDataset: the dataset of names that give only the table. */
    readonly defaultDataset?: string;
    readonly dryRun?: boolean;
    /** Refuse to run (not a dry run) when the estimate is above this. */
    readonly maximumBytesBilled?: number;
}

interface Scan {
    readonly name: string;
    readonly start?: number;
    readonly end?: number;
    readonly alias: string;
    readonly columns: { id: string; name: string }[];
}

interface Materialized {
    readonly column: { name: string; type: TypeProto }[];
    /** Rows of encoded ValueProto cells (zetasql/wire.ts). */
    readonly row: readonly (readonly Buffer[])[];
    /** Identifies these contents; undefined when they are computed afresh (a view) and not worth keeping. */
    readonly version?: string;
}

interface Resolved {
    readonly node: any;
    readonly sql: string;
}

const CREATE_DEFAULT = 0;
const CREATE_OR_REPLACE = 1;
const CREATE_IF_NOT_EXISTS = 2;
const KEEP_EVAL_CATALOGUES = 16;

const idText = (v: unknown) => String(v);

/** Every node of the AST under `node` that has `key`, depth first. */
function findAll(node: any, key: string, out: any[] = []): any[] {
    if (!node || typeof node !== "object") return out;
    if (Array.isArray(node)) {
        for (const n of node) findAll(n, key, out);
        return out;
    }
    for (const [k, v] of Object.entries(node)) {
        if (k === key && v) out.push(v);
        findAll(v, key, out);
    }
    return out;
}

/** The parse location of a node: on it, or on one of the `parent` records its proto nests it in. */
function rangeOf(node: any): { start: number; end: number } | undefined {
    for (let p = node; p && typeof p === "object"; p = p.parent) {
        const r = p.parseLocationRange;
        if (r) return { start: Number(r.start), end: Number(r.end) };
    }
    return undefined;
}

/** A ValueProto from a response (with the client's `value` oneof marker and Longs) in the plain form encodeValue takes. */
function stripOneof(v: any): Record<string, unknown> {
    const which = v?.value as string | undefined;
    if (!which) return {};
    const x = v[which];
    if (which === "arrayValue") return { arrayValue: { element: (x.element ?? []).map(stripOneof) } };
    if (which === "structValue") return { structValue: { field: (x.field ?? []).map(stripOneof) } };
    return { [which]: x };
}

/** The parse location of an expression or scan wrapped in its proto's oneof records. */
function exprRange(expr: any): { start: number; end: number } | undefined {
    let n = expr;
    for (;;) {
        const k = n && typeof n === "object" ? Object.keys(n).find((key) => key.startsWith("resolved") && n[key] && typeof n[key] === "object") : undefined;
        if (!k) break;
        n = n[k];
    }
    return rangeOf(n);
}

/** A function call node's name and arguments, or undefined. */
function callOf(expr: any): { name: string; args: any[] } | undefined {
    const call = expr?.resolvedFunctionCallBaseNode?.resolvedFunctionCallNode;
    if (!call) return undefined;
    // The function and its arguments are fields of the call's base (ResolvedFunctionCallBase).
    return { name: String(call.parent?.function?.name ?? ""), args: call.parent?.argumentList ?? [] };
}

/** The identifiers of a table path as written (`a`.b.`c.d` is a, b, c.d), for its implicit alias. */
function pathParts(text: string): string[] {
    const parts: string[] = [];
    let i = 0;
    while (i < text.length) {
        if (text[i] === "`") {
            const end = text.indexOf("`", i + 1);
            parts.push(text.slice(i + 1, end < 0 ? text.length : end));
            i = end < 0 ? text.length : end + 1;
        } else {
            let j = i;
            while (j < text.length && text[j] !== "." && text[j] !== "`") j++;
            if (j > i) parts.push(text.slice(i, j).trim());
            i = j;
        }
        if (text[i] === ".") i++;
    }
    return parts;
}

const quoteId = (s: string) => "`" + s.replace(/\\/g, "\\\\").replace(/`/g, "\\`") + "`";

/** A ZetaSQL error in BigQuery's words: "... at [line:col]". */
function analysisError(err: unknown): BigQueryError {
    const text = zetaSqlMessage(err).trim();
    const at = /\s*\[at (\d+):(\d+)\]/.exec(text);
    const message = at ? `${text.replace(at[0], "")} at [${at[1]}:${at[2]}]` : text;
    const kind = /^Statement not supported: (\w+)/.exec(text);
    if (kind) return unsupported(`Statement not supported by the local warehouse: ${kind[1]}; it runs SELECT, CREATE [SNAPSHOT] TABLE (CLONE, AS SELECT), CREATE VIEW, DROP [SNAPSHOT] TABLE, ALTER TABLE, INSERT, UPDATE, DELETE and TRUNCATE TABLE`);
    return invalidQuery(message, at ? "query" : undefined);
}

/** An evaluation error in BigQuery's words; a server that died mid-statement is said so. */
function evaluatorError(err: unknown): BigQueryError {
    const message = zetaSqlMessage(err).replace(/\s*\[at (\d+):(\d+)\]/, " at [$1:$2]");
    if ((err as { code?: number })?.code === 14) return invalidQuery(`ZetaSQL's evaluator stopped while running this statement (${message}); the next statement starts a new one`);
    return invalidQuery(message);
}

export class QueryEngine {
    private readonly analysisCatalogues = new Map<string, { shape: number; id: Promise<unknown> }>();
    private readonly evalCatalogues = new Map<string, Promise<unknown>>();
    private readonly encodedColumns = new Map<string, { version: string; columns: Map<number, Buffer[]> }>();
    private emptyCatalogue?: Promise<unknown>;
    private generation = -1;

    constructor(
        private readonly store: Store,
        private readonly zeta: ZetaSqlServer,
    ) {}

    /** Frees the catalogues registered with ZetaSQL. */
    async close(): Promise<void> {
        const ids = [...this.analysisCatalogues.values()].map((c) => c.id).concat([...this.evalCatalogues.values()]);
        if (this.emptyCatalogue) ids.push(this.emptyCatalogue);
        this.analysisCatalogues.clear();
        this.evalCatalogues.clear();
        this.encodedColumns.clear();
        await Promise.all(ids.map((p) => p.then((id) => this.zeta.client.unRegisterCatalog({ registeredId: id })).catch(() => undefined)));
    }

    private languageOptions() {
        return this.zeta.languageOptions(STATEMENT_KINDS, EXTRA_FEATURES);
    }

    /** A server that died took its catalogues along: start a new one and forget their ids. */
    private async ready(): Promise<void> {
        await this.zeta.ready();
        if (this.generation === this.zeta.generation) return;
        this.generation = this.zeta.generation;
        this.analysisCatalogues.clear();
        this.evalCatalogues.clear();
        this.emptyCatalogue = undefined;
    }

    private async analyzerOptions(): Promise<Record<string, unknown>> {
        return {
            languageOptions: await this.languageOptions(),
            parseLocationRecordType: "PARSE_LOCATION_RECORD_CODE_SEARCH",
            errorMessageMode: "ERROR_MESSAGE_ONE_LINE",
            // Scans then list only the columns a statement reads, and only those are sent to the evaluator.
            pruneUnusedColumns: true,
            // BigQuery's default time zone; ZetaSQL's is America/Los_Angeles.
            defaultTimezone: "UTC",
            allowedHintsAndOptions: { disallowUnknownOptions: true, disallowDuplicateOptionNames: true, option: TABLE_OPTIONS.map((o) => ({ name: o.name, type: o.type })) },
        };
    }

    // -----------------------------------------------------------------------------------------
    // Names

    /** A name path from the AST (["p.d.t"], ["d", "t"], ...) as a table in the job's project. */
    tableName(path: readonly string[], project: string, defaultDataset?: string): TableName {
        const parts = path.flatMap((p) => p.split("."));
        if (parts.length === 1 && defaultDataset) return { projectId: project, datasetId: defaultDataset, tableId: parts[0] };
        if (parts.length === 2) return { projectId: project, datasetId: parts[0], tableId: parts[1] };
        if (parts.length === 3) return { projectId: parts[0], datasetId: parts[1], tableId: parts[2] };
        throw invalidQuery(`Table name "${path.join(".")}" missing dataset while no default dataset is set in the request.`);
    }

    private record(name: string): TableRecord | undefined {
        const [p, d, ...t] = name.split(".");
        return this.store.table(p, d, t.join("."));
    }

    // -----------------------------------------------------------------------------------------
    // Analysis

    private columnsOf(fields: readonly Field[]) {
        return fields.map((f) => ({ name: f.name, type: zetaTypeOf(f) }));
    }

    /** The analysis catalogue for jobs of `project` (and a default dataset), registered once per shape of the store. */
    private async analysisCatalogue(project: string, defaultDataset?: string): Promise<unknown> {
        const scope = `${project}/${defaultDataset ?? ""}`;
        const cached = this.analysisCatalogues.get(scope);
        if (cached && cached.shape === this.store.shape) return cached.id;
        if (cached) cached.id.then((id) => this.zeta.client.unRegisterCatalog({ registeredId: id })).catch(() => undefined);
        const shape = this.store.shape;
        const id = (async () => {
            const languageOptions = await this.languageOptions();
            const top: any[] = [];
            const topNames = new Set<string>();
            const sub = new Map<string, Map<string, any[]>>();
            const addTop = (key: string, t: any) => {
                if (topNames.has(key.toLowerCase())) return;
                topNames.add(key.toLowerCase());
                top.push({ ...t, nameInCatalog: key });
            };
            const addSub = (catalog: string, dataset: string | undefined, key: string, t: any) => {
                const c = sub.get(catalog) ?? new Map<string, any[]>();
                sub.set(catalog, c);
                const list = c.get(dataset ?? "") ?? [];
                c.set(dataset ?? "", list);
                if (!list.some((x) => x.nameInCatalog.toLowerCase() === key.toLowerCase())) list.push({ ...t, nameInCatalog: key });
            };
            for (const r of this.store.allTables()) {
                const name = tableKey(r.projectId, r.datasetId, r.tableId);
                const t = { name, column: this.columnsOf(r.schema) };
                addTop(name, t);
                addSub(r.projectId, r.datasetId, r.tableId, t);
                if (r.projectId === project) {
                    addTop(`${r.datasetId}.${r.tableId}`, t);
                    addSub(r.datasetId, undefined, r.tableId, t);
                    if (r.datasetId === defaultDataset) addTop(r.tableId, t);
                }
            }
            const catalog: any[] = [];
            for (const [name, children] of sub) {
                const c: any = { name, table: children.get("") ?? [], catalog: [] };
                for (const [dataset, tables] of children) if (dataset) c.catalog.push({ name: dataset, table: tables });
                catalog.push(c);
            }
            const reg = await this.zeta.client.registerCatalog({ simpleCatalog: { name: "warehouse", table: top, catalog, builtinFunctionOptions: { languageOptions } } });
            return reg.registeredId;
        })();
        this.analysisCatalogues.set(scope, { shape, id });
        id.catch(() => this.analysisCatalogues.delete(scope));
        return id;
    }

    /** The resolved statement, or BigQuery's error for it. */
    async analyze(sql: string, project: string, defaultDataset?: string): Promise<Resolved> {
        await this.ready();
        const options = await this.analyzerOptions();
        const catalogId = await this.analysisCatalogue(project, defaultDataset);
        try {
            const r = await this.zeta.client.analyze({ registeredCatalogId: catalogId, sqlStatement: sql, options });
            return { node: r.resolvedStatement, sql };
        } catch (err) {
            let e = analysisError(err);
            const missing = /^Table not found: (.+?)(?:;.*?)?(?: at \[\d+:\d+\])?$/.exec(e.message);
            if (missing) {
                const name = this.tableName(pathParts(missing[1]), project, defaultDataset);
                e = this.store.dataset(name.projectId, name.datasetId)
                    ? notFound(`Not found: Table ${tableLabel(name)} was not found in location US`)
                    : notFound(`Not found: Dataset ${name.projectId}:${name.datasetId} was not found in location US`);
            }
            e.atAnalysis = true;
            throw e;
        }
    }

    private scans(node: any): Scan[] {
        return findAll(node, "resolvedTableScanNode").map((s) => {
            const r = rangeOf(s.parent);
            return {
                name: String(s.table?.name ?? ""),
                start: r?.start,
                end: r?.end,
                alias: String(s.alias ?? ""),
                columns: (s.parent?.columnList ?? []).map((c: any) => ({ id: idText(c.columnId), name: String(c.name) })),
            };
        });
    }

    /** The output schema of a view's query (what tables.insert records for a view). */
    async viewSchema(project: string, query: string): Promise<Field[]> {
        const resolved = await this.analyze(query, project);
        const q = resolved.node?.resolvedQueryStmtNode;
        if (!q) throw invalid("A view's query must be a SELECT statement");
        return this.outputFields(q.outputColumnList.map((o: any) => ({ name: String(o.name), type: o.column.type })));
    }

    private outputFields(columns: readonly { name: string; type: TypeProto }[]): Field[] {
        let anonymous = 0;
        return columns.map((c) => fieldOfZetaType(c.name && !c.name.startsWith("$") ? c.name : `f${anonymous++}_`, c.type));
    }

    /**
     * Refuses a scan of a table that requires a partition filter unless some WHERE or ON
     * condition has a conjunct that reads the scan's partition column and nothing else but
     * constants: the kind of filter BigQuery can prune partitions with.
     */
    private checkPartitionFilters(node: any, scans: readonly Scan[]): void {
        const conditions = [...findAll(node, "filterExpr"), ...findAll(node, "joinExpr"), ...findAll(node, "whereExpr")];
        const conjuncts: any[] = [];
        const split = (e: any) => {
            const call = callOf(e);
            if (call?.name === "ZetaSQL:$and") call.args.forEach(split);
            else conjuncts.push(e);
        };
        conditions.forEach(split);
        const columnsOf = (e: any) => new Set(findAll(e, "resolvedColumnRefNode").map((c) => idText(c.column?.columnId)));
        for (const s of scans) {
            const t = this.record(s.name);
            const column = t && this.store.requiredPartitionColumn(t);
            if (!t || !column) continue;
            const id = s.columns.find((c) => c.name.toLowerCase() === column.toLowerCase())?.id;
            const ok =
                id !== undefined &&
                conjuncts.some((c) => {
                    const ids = columnsOf(c);
                    return ids.size === 1 && ids.has(id) && findAll(c, "resolvedSubqueryExprNode").length === 0;
                });
            if (!ok) throw invalidQuery(`Cannot query over table '${t.datasetId}.${t.tableId}' without a filter over column(s) '${column}' that can be used for partition elimination`);
        }
    }

    /** The base tables a statement reads, views expanded. */
    private async baseTables(scans: readonly Scan[], project: string, seen = new Set<string>()): Promise<TableRecord[]> {
        const out: TableRecord[] = [];
        for (const s of scans) {
            if (seen.has(s.name)) continue;
            seen.add(s.name);
            const t = this.record(s.name);
            if (!t) continue;
            if (t.type === "VIEW") {
                if (t.meta.view?.useLegacySql) continue;
                const inner = await this.analyze(t.meta.view.query, t.projectId);
                out.push(...(await this.baseTables(this.scans(inner.node), t.projectId, seen)));
            } else out.push(t);
        }
        return out;
    }

    // -----------------------------------------------------------------------------------------
    // Evaluation

    /** One column of a table as encoded ValueProto cells, once per version of the table. */
    private encodedColumn(t: TableRecord, index: number): Buffer[] {
        const key = tableKey(t.projectId, t.datasetId, t.tableId);
        const version = `${t.version}@${t.etag}`;
        let cached = this.encodedColumns.get(key);
        if (!cached || cached.version !== version) {
            cached = { version, columns: new Map() };
            this.encodedColumns.set(key, cached);
        }
        let cells = cached.columns.get(index);
        if (!cells) {
            const f = t.schema[index];
            try {
                cells = t.rows.map((r) => encodeValue(cellToValue(f, r[f.name] ?? (f.mode === "REPEATED" ? [] : null))));
            } catch (err) {
                if (err instanceof RowProblem) throw invalidQuery(`${tableLabel(t)}: ${err.message}`);
                throw err;
            }
            cached.columns.set(index, cells);
        }
        return cells;
    }

    /** The columns `columns` of a stored table (all when undefined) as the evaluator takes them. */
    private encode(t: TableRecord, columns?: readonly string[]): Materialized {
        const wanted = columns ? new Set(columns.map((c) => c.toLowerCase())) : undefined;
        const indices = t.schema.map((f, i) => (wanted && !wanted.has(f.name.toLowerCase()) ? -1 : i)).filter((i) => i >= 0);
        const cells = indices.map((i) => this.encodedColumn(t, i));
        return {
            column: indices.map((i) => ({ name: t.schema[i].name, type: zetaTypeOf(t.schema[i]) })),
            row: t.rows.map((_, r) => cells.map((c) => c[r])),
            version: `${tableKey(t.projectId, t.datasetId, t.tableId)}@${t.version}@${t.etag}:${indices.join(",")}`,
        };
    }

    /** A table's contents as the evaluator takes them; a view is evaluated (views on views recursively). */
    private async materialize(name: string, stack: readonly string[], columns?: readonly string[]): Promise<Materialized> {
        const t = this.record(name);
        if (!t) throw notFound(`Not found: Table ${name} was not found in location US`);
        if (t.type !== "VIEW") return this.encode(t, columns);
        if (stack.includes(name)) throw invalidQuery(`View ${tableLabel(t)} refers to itself through ${stack.join(" -> ")}`);
        if (t.meta.view?.useLegacySql) throw invalidQuery(`View ${tableLabel(t)} is written in legacy SQL, which the local warehouse does not run`);
        const resolved = await this.analyze(t.meta.view.query, t.projectId);
        const q = resolved.node?.resolvedQueryStmtNode;
        if (!q) throw invalidQuery(`View ${tableLabel(t)}: its query is not a SELECT`);
        const { response } = await this.evaluate(resolved, [...stack, name]);
        const column = (response.prepared?.columns ?? []).map((c: any) => ({ name: String(c.name), type: c.type as TypeProto }));
        // The outer query was analyzed against the schema recorded for the view.
        const same = (a: TypeProto, b: TypeProto) => JSON.stringify(fieldOfZetaType("x", a)) === JSON.stringify(fieldOfZetaType("x", b));
        if (column.length !== t.schema.length || column.some((c: { type: TypeProto }, i: number) => !same(c.type, zetaTypeOf(t.schema[i])))) {
            throw invalidQuery(`View ${tableLabel(t)}: its query's columns no longer match the view's schema; recreate the view`);
        }
        const row = (response.content?.tableData?.row ?? []).map((r: any) => (r.cell ?? []).map((c: any) => encodeValue(stripOneof(c))));
        return { column: this.columnsOf(t.schema), row };
    }

    /** Runs a resolved query on the stored rows; `response` is ZetaSQL's EvaluateQuery answer. */
    private async evaluate(resolved: Resolved, stack: readonly string[] = []): Promise<{ response: any }> {
        const scans = this.scans(resolved.node);
        const names = [...new Set(scans.map((s) => s.name))];
        const contents = new Map<string, Materialized>();
        for (const n of names) {
            const columns = [...new Set(scans.filter((x) => x.name === n).flatMap((x) => x.columns.map((c) => c.name)))];
            contents.set(n, await this.materialize(n, stack, columns));
        }
        const sql = this.rewrite(resolved.sql, scans);
        const options = await this.analyzerOptions();
        const languageOptions = await this.languageOptions();
        const cacheable = [...contents.values()].every((c) => c.version !== undefined);
        const key = names.map((n) => contents.get(n)!.version).join("|");
        let catalogue: Promise<unknown> | undefined;
        if (names.length === 0) catalogue = this.emptyCatalogue ??= this.zeta.client.registerCatalog({ simpleCatalog: { name: "empty", builtinFunctionOptions: { languageOptions } } }).then((r: any) => r.registeredId);
        else if (cacheable) catalogue = this.evalCatalogues.get(key);
        const fresh = !catalogue;
        if (!catalogue) {
            const table = names.map((n) => ({ name: n, column: contents.get(n)!.column }));
            const tableContent = new Map(names.map((n) => [n, encodeTableContent(contents.get(n)!.row)]));
            const request = { simpleCatalog: { name: "evaluation", table, builtinFunctionOptions: { languageOptions } } };
            catalogue = this.zeta.callWithContents<any>("RegisterCatalog", request, 4, tableContent).then((r) => r.registeredId);
            if (cacheable) this.keepEvalCatalogue(key, catalogue!);
        }
        const registeredCatalogId = await catalogue;
        try {
            const response = await this.zeta.call("evaluateQuery", { sql, options, registeredCatalogId });
            return { response };
        } catch (err) {
            throw evaluatorError(err);
        } finally {
            if (fresh && !cacheable) this.zeta.client.unRegisterCatalog({ registeredId: registeredCatalogId }).catch(() => undefined);
        }
    }

    private keepEvalCatalogue(key: string, id: Promise<unknown>): void {
        this.evalCatalogues.set(key, id);
        id.catch(() => this.evalCatalogues.delete(key));
        while (this.evalCatalogues.size > KEEP_EVAL_CATALOGUES) {
            const [oldest, old] = this.evalCatalogues.entries().next().value as [string, Promise<unknown>];
            this.evalCatalogues.delete(oldest);
            old.then((i) => this.zeta.client.unRegisterCatalog({ registeredId: i })).catch(() => undefined);
        }
    }

    /** The query with each table named by its one-identifier canonical name, at the analyzer's byte positions. */
    private rewrite(sql: string, scans: readonly Scan[]): string {
        const bytes = Buffer.from(sql, "utf8");
        const edits = scans.filter((s) => s.start !== undefined && s.end !== undefined).sort((a, b) => b.start! - a.start!);
        let out = bytes;
        for (const s of edits) {
            const written = bytes.subarray(s.start!, s.end!).toString("utf8");
            const canonical = quoteId(s.name);
            if (written === canonical) continue;
            // Without an alias a table is known by the last part of its path as written.
            const implicit = pathParts(written).pop() ?? s.name;
            const replacement = canonical + (s.alias === "" ? ` AS ${quoteId(implicit)}` : "");
            out = Buffer.concat([out.subarray(0, s.start!), Buffer.from(replacement, "utf8"), out.subarray(s.end!)]);
        }
        return out.toString("utf8");
    }

    /**
     * An OPTIONS value, evaluated by ZetaSQL. The analyzer locates the whole `name = value` entry;
     * its value is the text after the `=` (function calls are located by their name only).
     */
    private async optionValue(sql: string, option: any, type: TypeProto): Promise<Cell> {
        const literal = option.value?.resolvedLiteralNode;
        if (literal) return valueToCell(type, literal.value?.value);
        const r = rangeOf(option);
        if (!r) throw unsupported(`The local warehouse could not locate the value of option ${option.name}`);
        const entry = Buffer.from(sql, "utf8").subarray(r.start, r.end).toString("utf8");
        const text = entry.slice(entry.indexOf("=") + 1);
        const { response } = await this.evaluate({ node: {}, sql: `SELECT (${text}) AS v` });
        return valueToCell(type, response.content?.tableData?.row?.[0]?.cell?.[0]);
    }

    private async options(sql: string, list: readonly any[]): Promise<Record<string, Cell>> {
        const out: Record<string, Cell> = {};
        for (const o of list ?? []) {
            const declared = TABLE_OPTIONS.find((x) => x.name === String(o.name).toLowerCase());
            if (!declared) throw invalidQuery(`Unknown option: ${o.name}`);
            out[declared.name] = await this.optionValue(sql, o, declared.type);
        }
        return out;
    }

    /** Table metadata from DDL options. */
    private applyOptions(meta: Record<string, any>, options: Record<string, Cell>): void {
        for (const [k, v] of Object.entries(options)) {
            if (k === "expiration_timestamp") {
                if (v === null) delete meta.expirationTime;
                else meta.expirationTime = String(timestampMicros(v as string)! / 1000n);
            } else if (k === "description") meta.description = v ?? undefined;
            else if (k === "friendly_name") meta.friendlyName = v ?? undefined;
            else if (k === "labels") meta.labels = Object.fromEntries(((v as Cell[] | null) ?? []).map((p: any) => [String(p._field_1), String(p._field_2 ?? "")]));
            else if (k === "require_partition_filter") meta.requirePartitionFilter = v === true;
            else if (k === "partition_expiration_days") {
                if (!meta.timePartitioning) throw invalidQuery("partition_expiration_days needs a partitioned table");
                meta.timePartitioning = { ...meta.timePartitioning, expirationMs: String(Math.round(Number(v) * 86_400_000)) };
            }
        }
        for (const [k, v] of Object.entries(meta)) if (v === undefined) delete meta[k];
    }

    // -----------------------------------------------------------------------------------------
    // Statements

    /** Analyzes, checks and (unless a dry run) runs one statement. */
    async run(sql: string, options: RunOptions): Promise<StatementResult> {
        const resolved = await this.analyze(sql, options.project, options.defaultDataset);
        const node = resolved.node ?? {};
        const scans = this.scans(node);
        const referencedTables = [...new Set(scans.map((s) => s.name))].map((n) => this.tableName([n], options.project, options.defaultDataset));
        const q = node.resolvedQueryStmtNode;
        if (q) {
            this.checkPartitionFilters(node, scans);
            const bytesProcessed = (await this.baseTables(scans, options.project)).reduce((n, t) => n + this.store.numBytes(t), 0);
            const schema = this.outputFields(q.outputColumnList.map((o: any) => ({ name: String(o.name), type: o.column.type })));
            if (options.dryRun) return { statementType: "SELECT", schema, bytesProcessed, referencedTables };
            this.checkBilling(bytesProcessed, options.maximumBytesBilled);
            const { response } = await this.evaluate(resolved);
            const types: TypeProto[] = (response.prepared?.columns ?? []).map((c: any) => c.type);
            const rows = (response.content?.tableData?.row ?? []).map((r: any) => Object.fromEntries(schema.map((f, i) => [f.name, valueToCell(types[i], r.cell?.[i])])));
            return { statementType: "SELECT", schema, rows, bytesProcessed, referencedTables };
        }
        const create = node.resolvedCreateStatementNode;
        if (create?.resolvedCreateSnapshotTableStmtNode) return this.createSnapshot(resolved, create.resolvedCreateSnapshotTableStmtNode, options, referencedTables);
        const base = create?.resolvedCreateTableStmtBaseNode;
        if (base?.resolvedCreateTableStmtNode) return this.createTable(resolved, base.resolvedCreateTableStmtNode, options, referencedTables);
        if (base?.resolvedCreateTableAsSelectStmtNode) return this.createTableAsSelect(resolved, base.resolvedCreateTableAsSelectStmtNode, options, scans, referencedTables);
        if (create?.resolvedCreateViewBaseNode?.resolvedCreateViewStmtNode) return this.createView(resolved, create.resolvedCreateViewBaseNode.resolvedCreateViewStmtNode, options, referencedTables);
        if (node.resolvedDropStmtNode) return this.drop(node.resolvedDropStmtNode, options, false);
        if (node.resolvedDropSnapshotTableStmtNode) return this.drop(node.resolvedDropSnapshotTableStmtNode, options, true);
        if (node.resolvedAlterObjectStmtNode?.resolvedAlterTableStmtNode) return this.alter(resolved, node.resolvedAlterObjectStmtNode.resolvedAlterTableStmtNode, options);
        if (node.resolvedInsertStmtNode || node.resolvedDeleteStmtNode || node.resolvedUpdateStmtNode) return this.dml(resolved, options, scans, referencedTables);
        if (node.resolvedTruncateStmtNode) return this.truncate(resolved, node.resolvedTruncateStmtNode, options, scans, referencedTables);
        throw unsupported(`Statement not supported by the local warehouse: ${Object.keys(node).find((k) => k.startsWith("resolved")) ?? "unknown statement"}`);
    }

    private checkBilling(bytes: number, maximum: number | undefined): void {
        if (maximum !== undefined && bytes > maximum) {
            throw new BigQueryError(400, "bytesBilledLimitExceeded", `Query exceeded limit for bytes billed: ${maximum}. ${bytes} or higher required.`);
        }
    }

    private existing(name: TableName): TableRecord | undefined {
        this.store.needDataset(name.projectId, name.datasetId);
        return this.store.table(name.projectId, name.datasetId, name.tableId);
    }

    private cloneSource(scanNode: any, project: string, what: string): TableRecord {
        const scan = scanNode?.resolvedTableScanNode;
        if (scan?.forSystemTimeExpr) throw unsupported(`${what} ... FOR SYSTEM_TIME AS OF is not supported by the local warehouse: it keeps no history`);
        const name = this.tableName([String(scan?.table?.name ?? "")], project);
        const t = this.store.needTable(name.projectId, name.datasetId, name.tableId);
        if (t.type === "VIEW") throw invalidQuery(`${what} cannot copy ${tableLabel(t)}: it is a view`);
        return t;
    }

    /** What a snapshot and a clone carry of their base: rows (not the streaming buffer's), schema, partitioning, clustering. */
    private layoutOf(t: TableRecord): Record<string, any> {
        const keep = ["timePartitioning", "rangePartitioning", "clustering", "requirePartitionFilter"];
        return Object.fromEntries(Object.entries(t.meta).filter(([k]) => keep.includes(k)));
    }

    /** CREATE SNAPSHOT TABLE and the SNAPSHOT copy job. */
    snapshot(source: TableRecord, target: TableName, meta: Record<string, any>, createMode = CREATE_DEFAULT): { operation: string } {
        const existing = this.existing(target);
        if (existing) {
            if (createMode === CREATE_IF_NOT_EXISTS) return { operation: "SKIP" };
            if (createMode !== CREATE_OR_REPLACE || existing.type !== "SNAPSHOT") throw duplicate(`Already Exists: Table ${tableLabel(target)}`);
            this.store.deleteTable(existing);
        }
        const now = this.store.now();
        const t = this.store.createTable(target.projectId, target.datasetId, { tableReference: { tableId: target.tableId }, ...this.layoutOf(source) }, {
            type: "SNAPSHOT",
            schema: source.schema.map((f) => ({ ...f })),
            rows: this.store.storedRows(source).slice(),
        });
        t.meta = {
            ...t.meta,
            ...meta,
            snapshotDefinition: { baseTableReference: { projectId: source.projectId, datasetId: source.datasetId, tableId: source.tableId }, snapshotTime: new Date(now).toISOString() },
        };
        this.store.changed();
        return { operation: existing ? "REPLACE" : "CREATE" };
    }

    /** CREATE TABLE ... CLONE and the CLONE / RESTORE copy jobs: a writable table with the base's rows. */
    clone(source: TableRecord, target: TableName, meta: Record<string, any>, createMode = CREATE_DEFAULT): { operation: string } {
        const existing = this.existing(target);
        if (existing) {
            if (createMode === CREATE_IF_NOT_EXISTS) return { operation: "SKIP" };
            if (createMode !== CREATE_OR_REPLACE) throw duplicate(`Already Exists: Table ${tableLabel(target)}`);
            this.store.writable(existing, "replace");
            this.store.deleteTable(existing);
        }
        const now = this.store.now();
        const t = this.store.createTable(target.projectId, target.datasetId, { tableReference: { tableId: target.tableId }, ...this.layoutOf(source), ...meta }, {
            type: "TABLE",
            schema: source.schema.map((f) => ({ ...f })),
            rows: this.store.storedRows(source).slice(),
        });
        t.meta.cloneDefinition = { baseTableReference: { projectId: source.projectId, datasetId: source.datasetId, tableId: source.tableId }, cloneTime: new Date(now).toISOString() };
        this.store.changed();
        return { operation: existing ? "REPLACE" : "CREATE" };
    }

    private async createSnapshot(resolved: Resolved, s: any, options: RunOptions, referencedTables: TableName[]): Promise<StatementResult> {
        const target = this.tableName(s.parent?.namePath ?? [], options.project, options.defaultDataset);
        const source = this.cloneSource(s.cloneFrom, options.project, "CREATE SNAPSHOT TABLE");
        const opts = await this.options(resolved.sql, s.optionList);
        const result = { statementType: "CREATE_SNAPSHOT_TABLE", bytesProcessed: 0, referencedTables };
        if (options.dryRun) return result;
        const meta: Record<string, any> = {};
        this.applyOptions(meta, opts);
        const { operation } = this.snapshot(source, target, meta, Number(s.parent?.createMode ?? CREATE_DEFAULT));
        return { ...result, ddl: { operation, target } };
    }

    private columnsFromDefinitions(list: readonly any[]): Field[] {
        return (list ?? []).map((c: any) => {
            const f = fieldOfZetaType(String(c.name), c.type);
            return c.annotations?.notNull ? { ...f, mode: "REQUIRED" } : f;
        });
    }

    /** PARTITION BY and CLUSTER BY of a CREATE TABLE, where they are plain columns (or DATE(column)). */
    private layoutFromDdl(s: any, schema: readonly Field[]): Record<string, any> {
        const meta: Record<string, any> = {};
        const columnName = (e: any): string | undefined => e?.resolvedColumnRefNode?.column?.name;
        const partitions = s.partitionByList ?? [];
        if (partitions.length > 1) throw unsupported("PARTITION BY takes one expression");
        if (partitions.length === 1) {
            const e = partitions[0];
            let col = columnName(e);
            const call = callOf(e);
            if (!col && call && /:date$/i.test(call.name) && call.args.length === 1) col = columnName(call.args[0]);
            if (!col) throw unsupported("The local warehouse partitions by a DATE, TIMESTAMP or DATETIME column, or DATE(column), only");
            meta.timePartitioning = { type: "DAY", field: findField(schema, col)?.name ?? col };
        }
        const clusters = (s.clusterByList ?? []).map((e: any) => {
            const c = columnName(e);
            if (!c) throw unsupported("CLUSTER BY takes column names");
            return findField(schema, c)?.name ?? c;
        });
        if (clusters.length > 0) meta.clustering = { fields: clusters };
        return meta;
    }

    private async createTable(resolved: Resolved, s: any, options: RunOptions, referencedTables: TableName[]): Promise<StatementResult> {
        const target = this.tableName(s.parent?.parent?.namePath ?? [], options.project, options.defaultDataset);
        const opts = await this.options(resolved.sql, s.parent?.optionList);
        const createMode = Number(s.parent?.parent?.createMode ?? CREATE_DEFAULT);
        if (Number(s.parent?.parent?.createScope ?? 0) !== 0) throw unsupported("Temporary tables are not supported by the local warehouse");
        if (s.cloneFrom) {
            const source = this.cloneSource(s.cloneFrom, options.project, "CREATE TABLE ... CLONE");
            const result = { statementType: "CREATE_TABLE", bytesProcessed: 0, referencedTables };
            if (options.dryRun) return result;
            const meta: Record<string, any> = {};
            this.applyOptions(meta, opts);
            const { operation } = this.clone(source, target, meta, createMode);
            return { ...result, ddl: { operation, target } };
        }
        if (s.copyFrom || s.likeTable?.name) throw unsupported("CREATE TABLE ... COPY and LIKE are not supported by the local warehouse");
        const schema = this.columnsFromDefinitions(s.parent?.columnDefinitionList);
        const result = { statementType: "CREATE_TABLE", bytesProcessed: 0, referencedTables };
        if (options.dryRun) return result;
        const meta = this.layoutFromDdl(s, schema);
        this.applyOptions(meta, opts);
        const operation = this.replaceable(target, createMode);
        if (operation === "SKIP") return { ...result, ddl: { operation, target } };
        this.store.createTable(target.projectId, target.datasetId, { tableReference: { tableId: target.tableId }, ...meta }, { schema });
        return { ...result, ddl: { operation, target } };
    }

    /** Applies CREATE's mode to an existing target: SKIP, or it is removed (REPLACE), or a 409. */
    private replaceable(target: TableName, createMode: number): string {
        const existing = this.existing(target);
        if (!existing) return "CREATE";
        if (createMode === CREATE_IF_NOT_EXISTS) return "SKIP";
        if (createMode !== CREATE_OR_REPLACE) throw duplicate(`Already Exists: Table ${tableLabel(target)}`);
        if (existing.type === "SNAPSHOT") throw invalidQuery(`${tableLabel(target)} is a table snapshot; CREATE OR REPLACE TABLE cannot replace it`);
        this.store.deleteTable(existing);
        return "REPLACE";
    }

    private async createTableAsSelect(resolved: Resolved, s: any, options: RunOptions, scans: Scan[], referencedTables: TableName[]): Promise<StatementResult> {
        const target = this.tableName(s.parent?.parent?.namePath ?? [], options.project, options.defaultDataset);
        const opts = await this.options(resolved.sql, s.parent?.optionList);
        this.checkPartitionFilters(s.query, scans);
        const bytesProcessed = (await this.baseTables(scans, options.project)).reduce((n, t) => n + this.store.numBytes(t), 0);
        const schema = this.columnsFromDefinitions(s.parent?.columnDefinitionList);
        const result = { statementType: "CREATE_TABLE_AS_SELECT", bytesProcessed, referencedTables };
        if (options.dryRun) return result;
        this.checkBilling(bytesProcessed, options.maximumBytesBilled);
        const rows = await this.queryRows(resolved.sql, s.query, options.project, options.defaultDataset);
        const meta = this.layoutFromDdl(s, schema);
        this.applyOptions(meta, opts);
        const createMode = Number(s.parent?.parent?.createMode ?? CREATE_DEFAULT);
        const operation = this.replaceable(target, createMode);
        if (operation === "SKIP") return { ...result, ddl: { operation, target } };
        this.store.createTable(target.projectId, target.datasetId, { tableReference: { tableId: target.tableId }, ...meta }, { schema, rows: rows.map((r) => this.renamed(r, schema)) });
        return { ...result, ddl: { operation, target }, affectedRows: rows.length };
    }

    /** Rows of the query inside a statement (CREATE TABLE AS SELECT), found in its text where the analyzer located it. */
    private async queryRows(sql: string, query: any, project: string, defaultDataset?: string): Promise<Cell[][]> {
        const r = exprRange(query);
        if (!r) throw unsupported("The local warehouse could not locate the query of the statement");
        const inner = await this.analyze(Buffer.from(sql, "utf8").subarray(r.start, r.end).toString("utf8"), project, defaultDataset);
        const { response } = await this.evaluate(inner);
        const types: TypeProto[] = (response.prepared?.columns ?? []).map((c: any) => c.type);
        return (response.content?.tableData?.row ?? []).map((row: any) => types.map((t, i) => valueToCell(t, row.cell?.[i])));
    }

    private renamed(cells: Cell[], schema: readonly Field[]): Row {
        return Object.fromEntries(schema.map((f, i) => [f.name, cells[i] ?? (f.mode === "REPEATED" ? [] : null)]));
    }

    private async createView(resolved: Resolved, s: any, options: RunOptions, referencedTables: TableName[]): Promise<StatementResult> {
        const target = this.tableName(s.parent?.parent?.namePath ?? [], options.project, options.defaultDataset);
        const sql = String(s.parent?.sql ?? "");
        if (!sql) throw unsupported("CREATE VIEW: the view's query text is unknown");
        const schema = this.outputFields((s.parent?.outputColumnList ?? []).map((o: any) => ({ name: String(o.name), type: o.column.type })));
        const opts = await this.options(resolved.sql, s.parent?.optionList);
        const result = { statementType: "CREATE_VIEW", bytesProcessed: 0, referencedTables };
        if (options.dryRun) return result;
        const createMode = Number(s.parent?.parent?.createMode ?? CREATE_DEFAULT);
        const existing = this.existing(target);
        let operation = "CREATE";
        if (existing) {
            if (createMode === CREATE_IF_NOT_EXISTS) return { ...result, ddl: { operation: "SKIP", target } };
            if (createMode !== CREATE_OR_REPLACE) throw duplicate(`Already Exists: Table ${tableLabel(target)}`);
            if (existing.type !== "VIEW") throw invalidQuery(`${tableLabel(target)} is a table; CREATE OR REPLACE VIEW cannot replace it`);
            this.store.deleteTable(existing);
            operation = "REPLACE";
        }
        const meta: Record<string, any> = {};
        this.applyOptions(meta, opts);
        this.store.createTable(target.projectId, target.datasetId, { tableReference: { tableId: target.tableId }, view: { query: sql, useLegacySql: false }, ...meta }, { type: "VIEW", schema });
        return { ...result, ddl: { operation, target } };
    }

    private drop(s: any, options: RunOptions, snapshot: boolean): StatementResult {
        const target = this.tableName(s.namePath ?? [], options.project, options.defaultDataset);
        const objectType = snapshot ? "SNAPSHOT TABLE" : String(s.objectType ?? "TABLE").toUpperCase();
        const statementType = snapshot ? "DROP_SNAPSHOT_TABLE" : `DROP_${objectType.replace(/ /g, "_")}`;
        if (!snapshot && objectType !== "TABLE" && objectType !== "VIEW") throw unsupported(`DROP ${objectType} is not supported by the local warehouse`);
        const result = { statementType, bytesProcessed: 0, referencedTables: [] };
        const t = this.existing(target);
        if (!t) {
            if (s.isIfExists) return { ...result, ddl: { operation: "SKIP", target } };
            throw notFound(`Not found: Table ${tableLabel(target)}`);
        }
        const wanted = snapshot ? "SNAPSHOT" : objectType === "VIEW" ? "VIEW" : "TABLE";
        if (t.type !== wanted) {
            const use = t.type === "SNAPSHOT" ? "DROP SNAPSHOT TABLE" : t.type === "VIEW" ? "DROP VIEW" : "DROP TABLE";
            throw invalidQuery(`${tableLabel(t)} is a ${t.type === "SNAPSHOT" ? "table snapshot" : t.type.toLowerCase()}; drop it with ${use}`);
        }
        if (options.dryRun) return result;
        this.store.deleteTable(t);
        return { ...result, ddl: { operation: "DROP", target } };
    }

    private async alter(resolved: Resolved, s: any, options: RunOptions): Promise<StatementResult> {
        const target = this.tableName(s.parent?.namePath ?? [], options.project, options.defaultDataset);
        const result = { statementType: "ALTER_TABLE", bytesProcessed: 0, referencedTables: [] };
        const t = this.existing(target);
        if (!t) {
            if (s.parent?.isIfExists) return { ...result, ddl: { operation: "SKIP", target } };
            throw notFound(`Not found: Table ${tableLabel(target)}`);
        }
        if (t.type === "VIEW") throw invalidQuery(`${tableLabel(t)} is a view; use ALTER VIEW`);
        const actions: any[] = s.parent?.alterActionList ?? [];
        // Every action is checked before any takes effect: a statement applies whole or not at all.
        const plan: (() => void)[] = [];
        let schema = t.schema.slice();
        let rowsReshape: { add: Field[]; drop: string[] } = { add: [], drop: [] };
        let meta = { ...t.meta };
        for (const a of actions) {
            const [kind] = Object.keys(a).filter((k) => k.startsWith("resolved"));
            const body = a[kind];
            if (kind === "resolvedRenameToActionNode") {
                const newPath: string[] = (body.newPath ?? []).flatMap((p: string) => p.split("."));
                const newId = newPath[newPath.length - 1];
                if (newPath.length > 1 && newPath[newPath.length - 2] !== t.datasetId) throw invalidQuery(`ALTER TABLE RENAME TO cannot move ${tableLabel(t)} to another dataset`);
                if (t.type === "SNAPSHOT") throw invalidQuery(`Cannot rename ${tableLabel(t)}: it is a table snapshot, and table snapshots are read-only`);
                if (t.streaming) throw invalidQuery(`Cannot rename ${tableLabel(t)} because it has a streaming buffer; table rename is not supported while data is in the streaming buffer`);
                if (this.store.table(t.projectId, t.datasetId, newId)) throw duplicate(`Already Exists: Table ${t.projectId}:${t.datasetId}.${newId}`);
                plan.push(() => this.store.renameTable(t, newId));
            } else if (kind === "resolvedSetOptionsActionNode") {
                const opts = await this.options(resolved.sql, body.optionList);
                this.applyOptions(meta, opts);
            } else if (kind === "resolvedAddColumnActionNode") {
                this.store.writable(t, "add columns to");
                const f = this.columnsFromDefinitions([body.columnDefinition])[0];
                if (findField(schema, f.name)) {
                    if (body.isIfNotExists) continue;
                    throw invalidQuery(`Column already exists: ${f.name}`);
                }
                if (f.mode === "REQUIRED") throw invalidQuery(`Cannot add a REQUIRED column ${f.name} to ${tableLabel(t)}`);
                schema = [...schema, f];
                rowsReshape = { ...rowsReshape, add: [...rowsReshape.add, f] };
            } else if (kind === "resolvedDropColumnActionNode") {
                this.store.writable(t, "drop columns of");
                const f = findField(schema, String(body.name));
                if (!f) {
                    if (body.isIfExists) continue;
                    throw invalidQuery(`Column not found: ${body.name}`);
                }
                const layout = [meta.timePartitioning?.field, meta.rangePartitioning?.field, ...(meta.clustering?.fields ?? [])].filter(Boolean).map((x: string) => x.toLowerCase());
                if (layout.includes(f.name.toLowerCase())) throw invalidQuery(`Cannot drop column ${f.name}: ${tableLabel(t)} is partitioned or clustered on it`);
                schema = schema.filter((x) => x !== f);
                rowsReshape = { ...rowsReshape, drop: [...rowsReshape.drop, f.name] };
            } else {
                throw unsupported(`ALTER TABLE action not supported by the local warehouse: ${kind?.replace(/^resolved|Node$/g, "") ?? "unknown"}`);
            }
        }
        if (options.dryRun) return result;
        if (JSON.stringify(meta) !== JSON.stringify(t.meta)) {
            if (t.type === "SNAPSHOT") for (const k of ["requirePartitionFilter", "timePartitioning"]) if (JSON.stringify(meta[k]) !== JSON.stringify(t.meta[k])) throw invalidQuery(`Cannot change ${k} of table snapshot ${tableLabel(t)}`);
            t.meta = meta;
            this.store.changed();
        }
        if (rowsReshape.add.length > 0 || rowsReshape.drop.length > 0) this.store.setRows(t, reshapeRows(t.rows, rowsReshape.add, rowsReshape.drop), schema);
        for (const step of plan) step();
        return { ...result, ddl: { operation: "ALTER", target } };
    }

    private async truncate(_resolved: Resolved, s: any, options: RunOptions, scans: Scan[], referencedTables: TableName[]): Promise<StatementResult> {
        const scan = this.scans(s.tableScan ? { resolvedTableScanNode: s.tableScan } : s)[0] ?? scans[0];
        const t = this.record(scan.name);
        if (!t) throw notFound(`Not found: Table ${scan.name}`);
        this.store.writable(t, "truncate");
        const result = { statementType: "TRUNCATE_TABLE", bytesProcessed: 0, referencedTables };
        if (options.dryRun) return result;
        const affectedRows = t.rows.length;
        this.store.setRows(t, []);
        return { ...result, affectedRows };
    }

    /**
     * INSERT, UPDATE and DELETE through ZetaSQL's EvaluateModify. The evaluator identifies rows by
     * primary key, so the target table carries one hidden key column: the row's position.
     */
    private async dml(resolved: Resolved, options: RunOptions, scans: Scan[], referencedTables: TableName[]): Promise<StatementResult> {
        const node = resolved.node;
        const stmt = node.resolvedInsertStmtNode ?? node.resolvedDeleteStmtNode ?? node.resolvedUpdateStmtNode;
        const statementType = node.resolvedInsertStmtNode ? "INSERT" : node.resolvedDeleteStmtNode ? "DELETE" : "UPDATE";
        const targetName = String(stmt.tableScan?.table?.name ?? "");
        const target = this.record(targetName);
        if (!target) throw notFound(`Not found: Table ${targetName}`);
        this.store.writable(target, statementType === "INSERT" ? "insert into" : statementType === "DELETE" ? "delete from" : "update");
        // An INSERT's target is written, not read: no partition filter, no bytes.
        const targetStart = rangeOf(stmt.tableScan?.parent)?.start;
        const read = statementType === "INSERT" ? scans.filter((x) => !(x.name === targetName && x.start === targetStart)) : scans;
        this.checkPartitionFilters(node, read);
        const bytesProcessed = (await this.baseTables(read, options.project)).reduce((n, t) => n + this.store.numBytes(t), 0);
        const result = { statementType, bytesProcessed, referencedTables };
        if (options.dryRun) return result;
        this.checkBilling(bytesProcessed, options.maximumBytesBilled);
        const names = [...new Set(scans.map((s) => s.name).concat(targetName))];
        const KEY = "__warehouse_row";
        const table: any[] = [];
        const tableContent = new Map<string, Buffer>();
        for (const n of names) {
            const m = await this.materialize(n, []);
            if (n === targetName && statementType !== "INSERT") {
                table.push({ name: n, column: [...m.column, { name: KEY, type: { typeKind: "TYPE_INT64" }, isPseudoColumn: true }], primaryKeyColumnIndex: [m.column.length] });
                tableContent.set(n, encodeTableContent(m.row.map((r, i) => [...r, encodeValue({ int64Value: String(i) })])));
            } else {
                table.push({ name: n, column: m.column });
                tableContent.set(n, encodeTableContent(m.row));
            }
        }
        const languageOptions = await this.languageOptions();
        // Column pruning is for reads; the evaluator writes whole rows (and crashes on pruned JSON columns).
        const request = { sql: this.rewrite(resolved.sql, scans), options: { ...(await this.analyzerOptions()), pruneUnusedColumns: false }, simpleCatalog: { name: "modify", table, builtinFunctionOptions: { languageOptions } } };
        const response: any = await this.zeta
            .callWithContents("EvaluateModify", request, 7, tableContent)
            .catch((err) => {
                throw evaluatorError(err);
            });
        const types = target.schema.map((f) => zetaTypeOf(f));
        const toRow = (cells: any[]): Row => Object.fromEntries(target.schema.map((f, i) => [f.name, valueToCell(types[i], cells[i])]));
        const rows: (Row | undefined)[] = target.rows.slice();
        const inserted: Row[] = [];
        let affectedRows = 0;
        for (const c of response.content ?? []) {
            const op = typeof c.operation === "number" ? c.operation : { INSERT: 1, DELETE: 2, UPDATE: 3 }[String(c.operation)] ?? 0;
            affectedRows++;
            if (op === 1) inserted.push(this.checkRequired(target, toRow(c.cell)));
            else {
                const at = Number(String(c.oldPrimaryKey?.[0]?.int64Value ?? -1));
                if (op === 2) rows[at] = undefined;
                else rows[at] = this.checkRequired(target, toRow(c.cell));
            }
        }
        this.store.setRows(target, [...(rows.filter(Boolean) as Row[]), ...inserted]);
        return { ...result, affectedRows };
    }

    private checkRequired(t: TableRecord, row: Row): Row {
        for (const f of t.schema) if (f.mode === "REQUIRED" && (row[f.name] === null || row[f.name] === undefined)) throw invalidQuery(`Required field ${f.name} cannot be null`);
        return row;
    }

}
