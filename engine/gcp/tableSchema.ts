// The `schema` of a BigQuery table is a JSON string. pulumi-gcp compares it the way
// terraform-provider-google-beta does (google-beta/services/bigquery/resource_bigquery_table.go
// at v7.45.0): formatting, key order, column order and a few type and mode spellings are not
// changes; what is a change either updates the table or replaces it. These are ports of those
// functions, so the stand-in plans what the real provider plans.

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

/** Why a schema string cannot be a table schema (validateBigQueryTableSchema, L635-659), or undefined. */
export function schemaProblem(text: string): string | undefined {
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch (e) {
        return `"schema" contains an invalid JSON: ${(e as Error).message}`;
    }
    if (!Array.isArray(parsed)) return `"schema" is not a JSON array`;
    if (parsed.some((f) => f === null)) return `"schema" contains a nil element`;
    if (parsed.some((f) => !isObj(f) || typeof f.name !== "string")) return `"schema" has a field without a name`;
    return undefined;
}

/** Parses a schema string; the API's empty schema, read back as "null", is an empty list (L265-267). */
export function parseSchema(text: string): Json {
    if (text === "null") return [];
    try {
        return JSON.parse(text) as Json;
    } catch {
        return null;
    }
}

// bigQueryTableTypeEq (L313-327): case-insensitive, with the legacy SQL aliases.
const TYPE_ALIASES = [["INTEGER", "INT64"], ["FLOAT", "FLOAT64"], ["BOOLEAN", "BOOL"]];
export function typeEq(a: string, b: string): boolean {
    const x = a.toUpperCase();
    const y = b.toUpperCase();
    return x === y || TYPE_ALIASES.some((set) => set.includes(x) && set.includes(y));
}

// bigQueryTableNormalizeMode (L329-335): absent is NULLABLE, case-insensitive.
const normMode = (m: Json | undefined): string => (m === undefined || m === null ? "NULLABLE" : String(m).toUpperCase());

// bigQueryTableModeIsForceNew (L337-341): only REQUIRED -> NULLABLE relaxes in place.
const modeForcesNew = (o: string, n: string): boolean => o !== n && !(o === "REQUIRED" && n === "NULLABLE");

// bigQueryTableNormalizePolicyTags (L343-358): {} and {names: []} are no policy tags.
function noPolicyTags(v: Json | undefined): boolean {
    if (v === undefined || v === null) return true;
    if (isObj(v)) {
        if (Object.keys(v).length === 0) return true;
        if (Array.isArray(v.names) && v.names.length === 0) return true;
    }
    return false;
}

function noGovernanceTags(v: Json | undefined): boolean {
    if (v === undefined || v === null) return true;
    if (isObj(v)) {
        if (Object.keys(v).length === 0) return true;
        if (isObj(v.dataGovernanceTags) && Object.keys(v.dataGovernanceTags).length === 0) return true;
    }
    return false;
}

// bigQueryTableMapKeyOverride (L197-260): per-key equalities that win over a plain comparison.
function keyOverride(key: string, a: Obj, b: Obj): boolean {
    const va = a[key];
    const vb = b[key];
    switch (key) {
        case "mode":
            return normMode(va) === normMode(vb);
        case "description":
            return (va === undefined || va === null || va === "") && (vb === undefined || vb === null || vb === "");
        case "type":
            if (va === undefined || va === null || vb === undefined || vb === null) return false;
            return typeEq(String(va), String(vb));
        case "collation":
            // An unset collation in the configuration inherits the dataset's; whatever the API says is fine.
            if (vb === undefined || vb === null) return true;
            return (va === undefined || va === null || va === "") && vb === "";
        case "policyTags":
            return noPolicyTags(va) && noPolicyTags(vb);
        case "dataGovernanceTagsInfo":
            return noGovernanceTags(va) && noGovernanceTags(vb);
        default:
            // dataPolicies is only special with ignore_schema_changes, which the stand-in refuses.
            return false;
    }
}

const byName = (arr: Json[]): Json[] => [...arr].sort((x, y) => {
    const a = String((x as Obj).name);
    const b = String((y as Obj).name);
    return a < b ? -1 : a > b ? 1 : 0;
});

function hasNames(arr: Json[]): boolean {
    return arr.every((f) => isObj(f) && "name" in f);
}

// jsonCompareWithMapKeyOverride (L72-147). A schema without names is an error upstream, which
// the suppress function logs and treats as "not equal".
function jsonEqual(key: string, a: Json | undefined, b: Json | undefined): boolean {
    if (Array.isArray(a)) {
        if (!Array.isArray(b) || a.length !== b.length) return false;
        let xs = a;
        let ys = b;
        if (key === "schema" || key === "fields") {
            if (!hasNames(xs) || !hasNames(ys)) return false;
            // Fields are matched by name, so reordering columns is not a change.
            xs = byName(xs);
            ys = byName(ys);
        }
        return xs.every((x, i) => jsonEqual(String(i), x, ys[i]));
    }
    if (isObj(a)) {
        if (!isObj(b)) return false;
        const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
        if (keys.has("foreignTypeDefinition")) {
            keys.delete("type");
            keys.delete("fields");
        }
        for (const k of keys) {
            if (keyOverride(k, a, b)) continue;
            if (!(k in a) || !(k in b)) return false;
            if (!jsonEqual(k, a[k], b[k])) return false;
        }
        return true;
    }
    return a === b;
}

/** bigQueryTableSchemaDiffSuppress (L263-283): true when two schema strings mean the same table. */
export function schemasEquivalent(oldText: string, newText: string): boolean {
    return jsonEqual("schema", parseSchema(oldText), parseSchema(newText));
}

/**
 * resourceBigQueryTableSchemaIsChangeable (L408-531): can the table go from `old` to `neu` in
 * place? `hasRowAccessPolicy` is only asked when top-level columns are dropped.
 */
export async function schemaChangeable(old: Json, neu: Json, isExternalTable: boolean, hasRowAccessPolicy: () => Promise<boolean>): Promise<boolean> {
    return changeable(old, neu, isExternalTable, true, hasRowAccessPolicy);
}

async function changeable(old: Json | undefined, neu: Json | undefined, isExternal: boolean, topLevel: boolean, hasRowAccessPolicy: () => Promise<boolean>): Promise<boolean> {
    if (Array.isArray(old)) {
        if (!Array.isArray(neu)) return false;
        if (!hasNames(old) || !hasNames(neu)) throw new Error("schema has a field without a name");
        const mapOld = new Map(old.map((f) => [String((f as Obj).name), f as Obj]));
        const mapNew = new Map(neu.map((f) => [String((f as Obj).name), f as Obj]));
        for (const [name, f] of mapNew) {
            // A new REQUIRED column cannot be filled for the rows already there.
            if (!mapOld.has(name) && f.mode === "REQUIRED") return false;
        }
        let sameNameColumns = 0;
        let droppedColumns = 0;
        for (const [name, f] of mapOld) {
            if (!mapNew.has(name)) {
                if (!topLevel || isExternal) return false;
                droppedColumns++;
                continue;
            }
            if (!(await changeable(f, mapNew.get(name), isExternal, false, hasRowAccessPolicy))) return false;
            if (topLevel) sameNameColumns++;
        }
        if (droppedColumns > 0 && topLevel) {
            // Upstream ignores a failure to list the policies; so does the stand-in.
            const hasPolicy = await hasRowAccessPolicy().catch(() => false);
            if (hasPolicy) return false;
        }
        // Dropping and adding in one change could be a rename; upstream refuses to guess.
        const newColumns = neu.length - sameNameColumns;
        return droppedColumns === 0 || newColumns === 0;
    }
    if (isObj(old)) {
        if (!isObj(neu)) return false;
        const keys = new Set([...Object.keys(old), ...Object.keys(neu)]);
        if (keys.has("foreignTypeDefinition")) {
            keys.delete("type");
            keys.delete("fields");
        }
        // Upstream walks a Go map (random order) and returns at "fields"; checking every other
        // key first makes the answer deterministic and never looser than any upstream order.
        for (const key of [...keys].filter((k) => k !== "fields")) {
            const vo = old[key];
            const vn = neu[key];
            if (key === "name" && vo !== vn) return false;
            if (key === "type") {
                // A missing type is invalid input, which upstream does not turn into a replacement.
                if (vo === undefined || vo === null || vn === undefined || vn === null) return true;
                if (!typeEq(String(vo), String(vn))) return false;
            }
            if (key === "mode" && modeForcesNew(normMode(vo), normMode(vn))) return false;
        }
        if (keys.has("fields")) return changeable(old.fields, neu.fields, isExternal, false, hasRowAccessPolicy);
        return true;
    }
    return old === neu;
}

/** Names of top-level columns in `old` that `neu` no longer has (dropped in place before the update). */
export function droppedColumns(old: Json, neu: Json): string[] {
    if (!Array.isArray(old) || !Array.isArray(neu)) return [];
    const keep = new Set(neu.map((f) => String((f as Obj).name)));
    return old.map((f) => String((f as Obj).name)).filter((n) => !keep.has(n));
}

/**
 * The fields sent to the API (expandSchema, L3370-3387). Tables (not views) get an empty
 * policyTags on every leaf field that names none (L3400-3412), so the API clears tags a
 * column no longer declares.
 */
export function expandSchema(text: string, managePolicyTags: boolean): Json[] {
    const fields = JSON.parse(text) as Json[];
    if (managePolicyTags) for (const f of fields) setEmptyPolicyTags(f as Obj);
    return fields;
}

function setEmptyPolicyTags(field: Obj): void {
    if (Array.isArray(field.fields) && field.fields.length > 0) {
        for (const sf of field.fields) setEmptyPolicyTags(sf as Obj);
        return;
    }
    if (!("policyTags" in field)) field.policyTags = { names: [] };
}

/**
 * The schema as state holds it after a read (flattenSchema, L3389-3398): Go's json.Marshal of
 * the API's fields, so compact, object keys sorted, and <, >, & escaped.
 */
export function flattenSchema(fields: unknown): string {
    return goJson(fields ?? null);
}

function goJson(v: unknown): string {
    const sorted = (x: unknown): unknown => {
        if (Array.isArray(x)) return x.map(sorted);
        if (x !== null && typeof x === "object") {
            return Object.fromEntries(
                Object.keys(x as Obj)
                    .sort()
                    .map((k) => [k, sorted((x as Obj)[k])]),
            );
        }
        return x;
    };
    return JSON.stringify(sorted(v))
        .replace(/</g, "\\u003c")
        .replace(/>/g, "\\u003e")
        .replace(/&/g, "\\u0026")
        .replace(/\u2028/g, "\\u2028")
        .replace(/\u2029/g, "\\u2029");
}
