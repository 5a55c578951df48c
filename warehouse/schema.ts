// Table schemas as the REST API has them (TableFieldSchema), their ZetaSQL types, and the
// reverse for query output. The API answers with the legacy type names (INTEGER, FLOAT, BOOLEAN,
// RECORD) whatever name a table was created with, which is why providers compare them as aliases.
import { TypeProto, typeKindName } from "../zetasql/values";
import { invalid } from "./errors";

export interface Field {
    name: string;
    type: string;
    mode?: string;
    fields?: Field[];
    description?: string;
    [extra: string]: unknown;
}

const CANONICAL: Record<string, string> = {
    STRING: "STRING", BYTES: "BYTES", INTEGER: "INTEGER", INT64: "INTEGER", FLOAT: "FLOAT", FLOAT64: "FLOAT", NUMERIC: "NUMERIC", DECIMAL: "NUMERIC",
    BIGNUMERIC: "BIGNUMERIC", BIGDECIMAL: "BIGNUMERIC", BOOLEAN: "BOOLEAN", BOOL: "BOOLEAN", DATE: "DATE", DATETIME: "DATETIME", TIME: "TIME",
    TIMESTAMP: "TIMESTAMP", JSON: "JSON", GEOGRAPHY: "GEOGRAPHY", RECORD: "RECORD", STRUCT: "RECORD",
};
const MODES = ["NULLABLE", "REQUIRED", "REPEATED"];
const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,299}$/;

/** The API's name for a type, or undefined for a type BigQuery does not have. */
export function canonicalType(type: string): string | undefined {
    return CANONICAL[String(type).toUpperCase()];
}

/** Validates a schema as tables.insert does and returns it in the API's own form. */
export function normalizeSchema(fields: unknown, where = ""): Field[] {
    if (!Array.isArray(fields)) throw invalid(`${where || "schema"}: fields must be a list`);
    const seen = new Set<string>();
    return fields.map((raw: any) => {
        const name = String(raw?.name ?? "");
        const path = where ? `${where}.${name}` : name;
        if (!NAME.test(name)) throw invalid(`Invalid field name "${path}". Fields must contain only letters, numbers, and underscores, start with a letter or underscore, and be at most 300 characters long.`);
        if (seen.has(name.toLowerCase())) throw invalid(`Field ${path} already exists in schema`);
        seen.add(name.toLowerCase());
        const type = canonicalType(raw?.type ?? "");
        if (!type) throw invalid(`Invalid value for type: ${raw?.type} is not a valid value`);
        const mode = raw?.mode === undefined || raw?.mode === null ? "NULLABLE" : String(raw.mode).toUpperCase();
        if (!MODES.includes(mode)) throw invalid(`Invalid value for mode: ${raw.mode} is not a valid value`);
        const out: Field = { ...raw, name, type, mode };
        if (type === "RECORD") {
            if (!Array.isArray(raw.fields) || raw.fields.length === 0) throw invalid(`Field ${path} is type RECORD but has no schema`);
            out.fields = normalizeSchema(raw.fields, path);
        } else {
            if (raw.fields !== undefined && (!Array.isArray(raw.fields) || raw.fields.length > 0)) throw invalid(`Field ${path} is type ${type} and cannot have fields`);
            delete out.fields;
        }
        return out;
    });
}

const ZETA: Record<string, string> = {
    STRING: "TYPE_STRING", BYTES: "TYPE_BYTES", INTEGER: "TYPE_INT64", FLOAT: "TYPE_DOUBLE", NUMERIC: "TYPE_NUMERIC", BIGNUMERIC: "TYPE_BIGNUMERIC",
    BOOLEAN: "TYPE_BOOL", DATE: "TYPE_DATE", DATETIME: "TYPE_DATETIME", TIME: "TYPE_TIME", TIMESTAMP: "TYPE_TIMESTAMP", JSON: "TYPE_JSON", GEOGRAPHY: "TYPE_GEOGRAPHY",
};

/** A field's ZetaSQL type: RECORD is a STRUCT, REPEATED an ARRAY. */
export function zetaTypeOf(f: Field): TypeProto {
    const base: TypeProto =
        f.type === "RECORD" ? { typeKind: "TYPE_STRUCT", structType: { field: (f.fields ?? []).map((c) => ({ fieldName: c.name, fieldType: zetaTypeOf(c) })) } } : { typeKind: ZETA[f.type] };
    return f.mode === "REPEATED" ? { typeKind: "TYPE_ARRAY", arrayType: { elementType: base } } : base;
}

const FROM_ZETA: Record<string, string> = Object.fromEntries(Object.entries(ZETA).map(([k, v]) => [v, k]));

/** An output column of a query as a schema field (what jobs.getQueryResults and CREATE TABLE AS answer with). */
export function fieldOfZetaType(name: string, t: TypeProto, description?: string): Field {
    const kind = typeKindName(t);
    if (kind === "TYPE_ARRAY") {
        const inner = fieldOfZetaType(name, t.arrayType!.elementType);
        if (inner.mode === "REPEATED") throw invalid(`Cannot store an ARRAY of ARRAYs in column ${name}`);
        return { ...inner, mode: "REPEATED", ...(description ? { description } : {}) };
    }
    if (kind === "TYPE_STRUCT") {
        const fields = (t.structType?.field ?? []).map((f, i) => fieldOfZetaType(f.fieldName || `_field_${i + 1}`, f.fieldType));
        return { name, type: "RECORD", mode: "NULLABLE", fields, ...(description ? { description } : {}) };
    }
    const type = FROM_ZETA[kind];
    if (!type) throw invalid(`Column ${name} has type ${kind.replace("TYPE_", "")}, which BigQuery cannot return`);
    return { name, type, mode: "NULLABLE", ...(description ? { description } : {}) };
}

/** `name:TYPE` per top-level field, REPEATED as ARRAY<..>, RECORD as STRUCT<..> (for the control API). */
export function schemaSummary(fields: readonly Field[]): string[] {
    const one = (f: Field): string => {
        const t = f.type === "RECORD" ? `STRUCT<${(f.fields ?? []).map(one).join(", ")}>` : f.type;
        return `${f.name}:${f.mode === "REPEATED" ? `ARRAY<${t}>` : t}${f.mode === "REQUIRED" ? " NOT NULL" : ""}`;
    };
    return fields.map(one);
}

/** The top-level field named `name` (BigQuery's column names are case-insensitive). */
export function findField(fields: readonly Field[], name: string): Field | undefined {
    const lower = name.toLowerCase();
    return fields.find((f) => f.name.toLowerCase() === lower);
}
