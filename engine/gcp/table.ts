// gcp:bigquery/table:Table (tables and views) on the local warehouse, after
// resource_bigquery_table.go: the request body of resourceTable, the flattening of
// resourceBigQueryTableRead, PUT for updates with dropped columns removed first by DDL, and
// deletion_protection checked by the provider before any DELETE.
import { ApiObject, isNotFound } from "./bigquery";
import { GCP_TYPES } from "./forceNew";
import { changedInputs, Context, DELETION_POLICIES, deletionPolicyStops, Failure, inputsOf, parseId, plannedLabels, readLabels, ResourceKind } from "./kind";
import { droppedColumns, expandSchema, flattenSchema, parseSchema, schemaChangeable, schemaProblem, schemasEquivalent } from "./tableSchema";
import { compact, containsUnknown, isUnknown, Props, sameValue, str, strMap } from "../values";

const num = (v: unknown): number | undefined => (v === undefined || v === null || v === "" ? undefined : Number(v));
const obj = (v: unknown): Props | undefined => (v && typeof v === "object" && !Array.isArray(v) ? (v as Props) : Array.isArray(v) && v[0] && typeof v[0] === "object" ? (v[0] as Props) : undefined);

export interface TableRef {
    readonly project: string;
    readonly datasetId: string;
    readonly tableId: string;
}

/** The id forms resourceBigQueryTableImport accepts (L4028-4056). */
export function tableRef(id: string, project?: string): TableRef {
    const p = parseId(id, [
        /^projects\/(?<project>[^/]+)\/datasets\/(?<datasetId>[^/]+)\/tables\/(?<tableId>[^/]+)$/,
        /^(?<project>[^/]+)\/(?<datasetId>[^/]+)\/(?<tableId>[^/]+)$/,
        /^(?<datasetId>[^/]+)\/(?<tableId>[^/]+)$/,
    ]);
    if (!p) throw new Error(`"${id}" is not a table id (projects/{project}/datasets/{dataset}/tables/{table})`);
    const proj = p.project ?? project;
    if (!proj) throw new Error(`table id "${id}" names no project and gcp:project is not set`);
    return { project: proj, datasetId: p.datasetId, tableId: p.tableId };
}

const tableId = (r: TableRef) => `projects/${r.project}/datasets/${r.datasetId}/tables/${r.tableId}`;

const PARTITION_TYPES = ["DAY", "HOUR", "MONTH", "YEAR"];

/** resourceTable (L1894-2025): the API body for the inputs, with `labels` the effective labels. */
export function tableBody(inputs: Props, labels: Record<string, string>): ApiObject {
    const view = obj(inputs.view);
    const tp = obj(inputs.timePartitioning);
    const body: ApiObject = {
        tableReference: { projectId: inputs.project, datasetId: inputs.datasetId, tableId: inputs.tableId },
    };
    if (view) {
        // useLegacySql is only sent when the program says it (expandView reads the raw config).
        body.view = compact({ query: view.query, useLegacySql: view.useLegacySql });
    }
    if (inputs.description) body.description = inputs.description;
    if (inputs.expirationTime) body.expirationTime = String(inputs.expirationTime);
    if (inputs.friendlyName) body.friendlyName = inputs.friendlyName;
    if (inputs.maxStaleness) body.maxStaleness = inputs.maxStaleness;
    if (Object.keys(labels).length > 0) body.labels = labels;
    if (typeof inputs.schema === "string" && inputs.schema !== "") body.schema = { fields: expandSchema(inputs.schema, !view) };
    if (tp) {
        body.timePartitioning = compact({
            type: tp.type,
            field: tp.field || undefined,
            expirationMs: tp.expirationMs ? String(tp.expirationMs) : undefined,
            requirePartitionFilter: tp.requirePartitionFilter,
        });
    }
    if (inputs.requirePartitionFilter === true) body.requirePartitionFilter = true;
    const clustering = inputs.clusterings as string[] | undefined;
    if (clustering && clustering.length > 0) body.clustering = { fields: clustering };
    return body;
}

/** resourceBigQueryTableRead (L2204-2496): outputs from the API's table and what the state alone knows. */
export function tableOutputs(api: ApiObject, state: Props | undefined, ctx: Context): Props {
    const ref = api.tableReference ?? {};
    const apiLabels = strMap(api.labels);
    const labels = readLabels(apiLabels, state?.labels);
    // The deprecated time_partitioning.require_partition_filter is echoed only where the program uses it.
    const useOldRpf = obj(state?.timePartitioning)?.requirePartitionFilter === true;
    const tp = api.timePartitioning as ApiObject | undefined;
    return compact({
        project: ref.projectId,
        datasetId: ref.datasetId,
        tableId: ref.tableId,
        description: api.description,
        friendlyName: api.friendlyName,
        expirationTime: num(api.expirationTime) ?? 0,
        maxStaleness: api.maxStaleness,
        creationTime: num(api.creationTime) ?? 0,
        lastModifiedTime: num(api.lastModifiedTime) ?? 0,
        etag: api.etag,
        location: api.location,
        numBytes: num(api.numBytes) ?? 0,
        numLongTermBytes: num(api.numLongTermBytes) ?? 0,
        numRows: num(api.numRows) ?? 0,
        selfLink: api.selfLink,
        type: api.type,
        labels,
        pulumiLabels: { ...ctx.config.defaultLabels, ...labels },
        effectiveLabels: apiLabels,
        requirePartitionFilter: api.requirePartitionFilter === true ? true : state?.requirePartitionFilter,
        timePartitioning: tp
            ? compact({
                  type: tp.type,
                  field: tp.field || undefined,
                  expirationMs: num(tp.expirationMs) || undefined,
                  requirePartitionFilter: useOldRpf && tp.requirePartitionFilter === true ? true : undefined,
              })
            : undefined,
        clusterings: Array.isArray(api.clustering?.fields) ? api.clustering.fields : undefined,
        schema: api.schema ? flattenSchema(api.schema.fields ?? []) : undefined,
        view: api.view ? { query: api.view.query, useLegacySql: api.view.useLegacySql === true } : undefined,
        // Provider-side fields: as the state has them, or their defaults (an import sets deletion_protection true).
        deletionProtection: state?.deletionProtection ?? true,
        deletionPolicy: state?.deletionPolicy ?? "DELETE",
        ignoreAutoGeneratedSchema: state?.ignoreAutoGeneratedSchema ?? false,
        generatedSchemaColumns: "",
    });
}

// Fields that only the provider acts on: changing them alone makes no API call (L2570-2580).
const CLIENT_SIDE = new Set(["deletionProtection", "deletionPolicy", "ignoreAutoGeneratedSchema"]);

export const tableKind: ResourceKind = {
    token: GCP_TYPES.table,
    inputs: {
        tableId: { required: true },
        datasetId: { required: true },
        project: { computed: true },
        description: {},
        friendlyName: {},
        labels: {},
        expirationTime: { computed: true },
        maxStaleness: { computed: true },
        schema: { computed: true, custom: true },
        timePartitioning: { computedFields: ["expirationMs"] },
        requirePartitionFilter: {},
        clusterings: {},
        view: { computedFields: ["useLegacySql"] },
        deletionProtection: { default: true },
        deletionPolicy: { default: "DELETE" },
        ignoreAutoGeneratedSchema: { default: false },
    },
    validate(inputs): Failure[] {
        const f: Failure[] = [];
        const schema = inputs.schema;
        if (typeof schema === "string" && !isUnknown(schema)) {
            const problem = schemaProblem(schema);
            if (problem) f.push({ property: "schema", reason: problem });
        }
        const tp = obj(inputs.timePartitioning);
        if (tp) {
            if (!containsUnknown(tp.type) && !PARTITION_TYPES.includes(String(tp.type))) {
                f.push({ property: "timePartitioning.type", reason: `expected time_partitioning.0.type to be one of [${PARTITION_TYPES.join(" ")}], got ${tp.type}` });
            }
            if (tp.requirePartitionFilter !== undefined && inputs.requirePartitionFilter !== undefined) {
                f.push({ property: "requirePartitionFilter", reason: `"require_partition_filter": conflicts with time_partitioning.0.require_partition_filter` });
            }
        }
        const clustering = inputs.clusterings;
        if (Array.isArray(clustering) && clustering.length > 4) f.push({ property: "clusterings", reason: "clustering: at most 4 columns" });
        const view = obj(inputs.view);
        if (inputs.view !== undefined && (!view || typeof view.query !== "string")) f.push({ property: "view.query", reason: "Missing required property 'view.query'" });
        if (inputs.ignoreAutoGeneratedSchema === true) f.push({ property: "ignoreAutoGeneratedSchema", reason: "ignoreAutoGeneratedSchema: true is not implemented by the local gcp stand-in" });
        if (typeof inputs.deletionPolicy === "string" && !isUnknown(inputs.deletionPolicy) && !DELETION_POLICIES.includes(inputs.deletionPolicy)) {
            f.push({ property: "deletionPolicy", reason: `deletionPolicy must be one of ${DELETION_POLICIES.join(", ")}` });
        }
        return f;
    },
    async customDiff(id, olds, news, ctx) {
        const neu = news.schema;
        if (neu === undefined) return { changed: [], replaces: [] };
        if (isUnknown(neu)) return { changed: ["schema"], replaces: [] };
        const old = typeof olds.schema === "string" ? olds.schema : "null";
        if (schemasEquivalent(old, String(neu))) return { changed: [], replaces: [] };
        const ref = olds.tableId && olds.datasetId ? { project: String(olds.project ?? news.project), datasetId: String(olds.datasetId), tableId: String(olds.tableId) } : tableRef(id, ctx.config.project);
        const hasRowAccessPolicy = async () => {
            const res = await ctx.bigquery().listRowAccessPolicies(ref.project, ref.datasetId, ref.tableId);
            return Array.isArray(res.rowAccessPolicies) && res.rowAccessPolicies.length > 0;
        };
        const ok = await schemaChangeable(parseSchema(old), parseSchema(String(neu)), false, hasRowAccessPolicy);
        return { changed: ["schema"], replaces: ok ? [] : ["schema"] };
    },
    async create(inputs, ctx) {
        const { pulumiLabels, effective } = plannedLabels(ctx, inputs.labels, undefined, undefined);
        const bq = ctx.bigquery();
        const body = tableBody(inputs, effective);
        const p = String(inputs.project);
        const d = String(inputs.datasetId);
        if (body.view && body.schema) {
            // BigQuery takes no schema when a view is created: insert without, then PUT it (L2104-2163).
            if ((body.schema.fields as ApiObject[]).some((f) => f.mode === "REQUIRED")) throw new Error("Schema cannot contain required fields when creating a view");
            const { schema, ...withoutSchema } = body;
            const inserted = await bq.insertTable(p, d, withoutSchema);
            await bq.updateTable(p, d, inserted.tableReference?.tableId ?? String(inputs.tableId), { ...withoutSchema, schema });
        } else {
            await bq.insertTable(p, d, body);
        }
        const ref = { project: p, datasetId: d, tableId: String(inputs.tableId) };
        const api = await bq.getTable(ref.project, ref.datasetId, ref.tableId);
        const outs = tableOutputs(api, { ...inputs, labels: inputs.labels ?? {} }, ctx);
        return { id: tableId(ref), outs: { ...outs, pulumiLabels } };
    },
    async read(id, state, ctx) {
        const ref = tableRef(id, str(state?.project) ?? ctx.config.project);
        let api: ApiObject;
        try {
            api = await ctx.bigquery().getTable(ref.project, ref.datasetId, ref.tableId);
        } catch (e) {
            if (isNotFound(e)) return undefined;
            throw e;
        }
        const outs = tableOutputs(api, state, ctx);
        return { id: tableId(ref), outs, inputs: inputsOf(tableKind, outs) };
    },
    async update(id, olds, news, ctx) {
        const ref = tableRef(id, str(news.project));
        const bq = ctx.bigquery();
        const { pulumiLabels, effective } = plannedLabels(ctx, news.labels, olds.pulumiLabels, olds.effectiveLabels);
        const changed = changedInputs(tableKind, olds, news);
        if (typeof news.schema === "string" && !schemasEquivalent(typeof olds.schema === "string" ? olds.schema : "null", news.schema)) changed.push("schema");
        const labelsMoved = !sameValue(effective, olds.effectiveLabels);
        if (changed.some((k) => !CLIENT_SIDE.has(k)) || labelsMoved) {
            const body = tableBody(news, effective);
            if (body.schema) {
                // Columns the new schema leaves out are dropped in place first (resourceBigQueryTableColumnDrop).
                const current = await bq.getTable(ref.project, ref.datasetId, ref.tableId);
                const dropped = droppedColumns(current.schema?.fields ?? [], body.schema.fields);
                if (dropped.length > 0) {
                    const cols = dropped.map((c) => `\`${c}\``).join(", DROP COLUMN ");
                    await bq.query(ref.project, `ALTER TABLE \`${ref.project}.${ref.datasetId}.${ref.tableId}\` DROP COLUMN ${cols}`);
                }
            }
            await bq.updateTable(ref.project, ref.datasetId, ref.tableId, body);
        }
        const api = await bq.getTable(ref.project, ref.datasetId, ref.tableId);
        return { ...tableOutputs(api, { ...news, labels: news.labels ?? {} }, ctx), pulumiLabels };
    },
    async delete(id, olds, ctx) {
        if (deletionPolicyStops(id, olds)) return;
        // deletion_protection is Terraform's, not BigQuery's: the provider refuses before any call (L2746-2788).
        if (olds.deletionProtection !== false) throw new Error(`cannot destroy table ${id} without setting deletion_protection=false and running \`terraform apply\``);
        const ref = tableRef(id, str(olds.project));
        await ctx.bigquery().deleteTable(ref.project, ref.datasetId, ref.tableId);
    },
};
