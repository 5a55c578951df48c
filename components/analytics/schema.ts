/** BigQuery column types the catalogue may use (legacy SQL aliases such as INTEGER are deliberately excluded). */
export const COLUMN_TYPES = [
    "STRING", "BYTES", "INT64", "FLOAT64", "NUMERIC", "BIGNUMERIC", "BOOL",
    "DATE", "DATETIME", "TIME", "TIMESTAMP", "JSON", "GEOGRAPHY", "RECORD",
] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];
export type ColumnMode = "NULLABLE" | "REQUIRED" | "REPEATED";

/** One column of a table definition. */
export interface ColumnDef {
    readonly name: string;
    readonly type: ColumnType;
    /** Defaults to NULLABLE. */
    readonly mode?: ColumnMode;
    readonly description: string;
    /** Sub-fields, only for RECORD columns. */
    readonly fields?: readonly ColumnDef[];
}

/** Where a table sits in the migration. */
export type TableRole = "v2" | "legacy" | "analytics";

/** A BigQuery table declared once; the Pulumi schema, ZetaSQL catalogue and loaders are generated from it. */
export interface TableDef {
    /** Table id as it exists during the parallel phase (v2 tables carry the `_v2` suffix). */
    readonly name: string;
    readonly role: TableRole;
    readonly description: string;
    readonly columns: readonly ColumnDef[];
    /** DAY partitioning column (DATE, TIMESTAMP or DATETIME). Required for v2 and analytics tables. */
    readonly partitionField?: string;
    /** Up to four top-level columns. */
    readonly clustering?: readonly string[];
    /** For v2 tables: the production name they take at cutover. */
    readonly productionName?: string;
}

/** A catalogue definition that cannot become a valid BigQuery table. */
export class SchemaError extends Error {
    constructor(table: string, problem: string) {
        super(`Table definition ${table}: ${problem}.`);
        this.name = "SchemaError";
    }
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,299}$/;
const PARTITION_TYPES: readonly ColumnType[] = ["DATE", "TIMESTAMP", "DATETIME"];
const CLUSTER_TYPES: readonly ColumnType[] = ["STRING", "INT64", "NUMERIC", "BIGNUMERIC", "BOOL", "DATE", "DATETIME", "TIMESTAMP", "GEOGRAPHY"];
export const MAX_CLUSTERING_COLUMNS = 4;

function validateColumns(table: string, columns: readonly ColumnDef[], path: string): void {
    const seen = new Set<string>();
    for (const col of columns) {
        const where = path ? `${path}.${col.name}` : col.name;
        if (!NAME.test(col.name)) throw new SchemaError(table, `column name "${where}" is not a valid BigQuery column name`);
        // BigQuery column names are case-insensitive, so `userId` and `userid` collide.
        const key = col.name.toLowerCase();
        if (seen.has(key)) throw new SchemaError(table, `duplicate column "${where}"`);
        seen.add(key);
        if (!(COLUMN_TYPES as readonly string[]).includes(col.type)) {
            throw new SchemaError(table, `column "${where}" has unknown type "${col.type}" (allowed: ${COLUMN_TYPES.join(", ")})`);
        }
        if (col.type === "RECORD") {
            if (!col.fields || col.fields.length === 0) throw new SchemaError(table, `RECORD column "${where}" needs at least one field`);
            validateColumns(table, col.fields, where);
        } else if (col.fields) {
            throw new SchemaError(table, `column "${where}" has fields but type ${col.type}; only RECORD columns have fields`);
        }
        if (!col.description.trim()) throw new SchemaError(table, `column "${where}" needs a description`);
    }
}

/** Throws SchemaError when a definition would be rejected by BigQuery or breaks the stack's rules. */
export function validateTableDef(def: TableDef): void {
    if (!NAME.test(def.name)) throw new SchemaError(def.name, "table name must be letters, digits and underscores");
    if (def.columns.length === 0) throw new SchemaError(def.name, "has no columns");
    validateColumns(def.name, def.columns, "");
    const top = new Map(def.columns.map((c) => [c.name.toLowerCase(), c]));

    if (def.partitionField !== undefined) {
        const col = top.get(def.partitionField.toLowerCase());
        if (!col) throw new SchemaError(def.name, `partition field "${def.partitionField}" is not a column`);
        if (!PARTITION_TYPES.includes(col.type)) {
            throw new SchemaError(def.name, `partition field "${def.partitionField}" is ${col.type}; it must be DATE, TIMESTAMP or DATETIME`);
        }
        if (col.mode === "REPEATED") throw new SchemaError(def.name, `partition field "${def.partitionField}" must not be REPEATED`);
    } else if (def.role !== "legacy") {
        throw new SchemaError(def.name, `${def.role} tables must be partitioned: set partitionField`);
    }

    const clustering = def.clustering ?? [];
    if (clustering.length > MAX_CLUSTERING_COLUMNS) {
        throw new SchemaError(def.name, `has ${clustering.length} clustering columns (${clustering.join(", ")}); BigQuery allows at most ${MAX_CLUSTERING_COLUMNS}`);
    }
    if (clustering.length === 0 && def.role !== "legacy") {
        throw new SchemaError(def.name, `${def.role} tables must be clustered: set clustering`);
    }
    if (new Set(clustering.map((c) => c.toLowerCase())).size !== clustering.length) {
        throw new SchemaError(def.name, `clustering lists a column twice (${clustering.join(", ")})`);
    }
    for (const c of clustering) {
        const col = top.get(c.toLowerCase());
        if (!col) throw new SchemaError(def.name, `clustering column "${c}" is not a top-level column`);
        if (!CLUSTER_TYPES.includes(col.type) || col.mode === "REPEATED") {
            throw new SchemaError(def.name, `clustering column "${c}" is ${col.mode === "REPEATED" ? "REPEATED " : ""}${col.type}; BigQuery clusters only on non-repeated ${CLUSTER_TYPES.join(", ")}`);
        }
    }

    if (def.role === "v2") {
        if (!def.name.endsWith("_v2")) throw new SchemaError(def.name, "v2 tables are named with the _v2 suffix");
        if (!def.productionName || def.productionName !== def.name.slice(0, -3)) {
            throw new SchemaError(def.name, `productionName must be "${def.name.slice(0, -3)}"`);
        }
    } else if (def.productionName !== undefined) {
        throw new SchemaError(def.name, "only v2 tables have a productionName");
    }
}

/** Validates every definition and that table names are unique across the catalogue. */
export function validateCatalogue(defs: readonly TableDef[]): void {
    const names = new Set<string>();
    for (const def of defs) {
        validateTableDef(def);
        for (const n of [def.name, def.productionName].filter((x): x is string => !!x)) {
            if (names.has(n.toLowerCase())) throw new SchemaError(n, "is declared twice in the catalogue");
            names.add(n.toLowerCase());
        }
    }
}

/** BigQuery REST TableFieldSchema, the JSON form pulumi-gcp's `schema` argument takes. */
export interface BigQueryField {
    name: string;
    type: string;
    mode: ColumnMode;
    description: string;
    fields?: BigQueryField[];
}

/** Converts column definitions to BigQuery's JSON schema. */
export function toBigQueryFields(columns: readonly ColumnDef[]): BigQueryField[] {
    return columns.map((c) => ({
        name: c.name,
        type: c.type,
        mode: c.mode ?? "NULLABLE",
        description: c.description,
        ...(c.fields ? { fields: toBigQueryFields(c.fields) } : {}),
    }));
}

/** The `schema` string pulumi-gcp expects. */
export function toSchemaJson(def: TableDef): string {
    return JSON.stringify(toBigQueryFields(def.columns));
}
