// gcp:bigquery/dataset:Dataset on the local warehouse, after resource_bigquery_dataset.go:
// POST to create, GET to read, PATCH of the changed fields to update (access is never sent, so
// entries DatasetIamMember adds survive, as the upstream update encoder leaves them), DELETE
// with deleteContents to delete.
import { ApiObject, isNotFound } from "./bigquery";
import { GCP_TYPES } from "./forceNew";
import { Context, DELETION_POLICIES, deletionPolicyStops, Failure, inputsOf, parseId, plannedLabels, readLabels, ResourceKind } from "./kind";
import { compact, isUnknown, Props, sameValue, str, strMap } from "../values";

const num = (v: unknown): number | undefined => (v === undefined || v === null || v === "" ? undefined : Number(v));

// Legacy primitive roles the API answers with, and the IAM roles they stand for (iam_bigquery_member_dataset.go L52-56).
export const LEGACY_DATASET_ROLES: Readonly<Record<string, string>> = {
    OWNER: "roles/bigquery.dataOwner",
    WRITER: "roles/bigquery.dataEditor",
    READER: "roles/bigquery.dataViewer",
};

const ACCESS_KEYS: Record<string, string> = {
    domain: "domain",
    groupByEmail: "groupByEmail",
    role: "role",
    specialGroup: "specialGroup",
    iamMember: "iamMember",
    userByEmail: "userByEmail",
    view: "view",
    dataset: "dataset",
    routine: "routine",
    condition: "condition",
};

// flattenBigQueryDatasetAccess: emails lower-cased, empty entries dropped.
function flattenAccess(access: unknown): Props[] {
    if (!Array.isArray(access)) return [];
    return access
        .filter((a) => a && typeof a === "object" && Object.keys(a).length > 0)
        .map((a: ApiObject) =>
            compact(
                Object.fromEntries(
                    Object.entries(ACCESS_KEYS).map(([api, sdk]) => [sdk, (api === "userByEmail" || api === "groupByEmail") && typeof a[api] === "string" ? a[api].toLowerCase() : a[api]]),
                ),
            ),
        );
}

const DATASET_ID = /^[0-9A-Za-z_]+$/;

export function datasetRef(id: string, project: string | undefined): { project: string; datasetId: string } {
    // resourceBigQueryDatasetImport's id forms.
    const p = parseId(id, [/^projects\/(?<project>[^/]+)\/datasets\/(?<datasetId>[^/]+)$/, /^(?<project>[^/]+)\/(?<datasetId>[^/]+)$/, /^(?<datasetId>[^/]+)$/]);
    if (!p) throw new Error(`"${id}" is not a dataset id (projects/{project}/datasets/{dataset})`);
    const proj = p.project ?? project;
    if (!proj) throw new Error(`dataset id "${id}" names no project and gcp:project is not set`);
    return { project: proj, datasetId: p.datasetId };
}

/** The outputs of a dataset as the API describes it, keeping what only the state knows (labels managed, delete flags). */
function outputs(api: ApiObject, state: Props | undefined, ctx: Context): Props {
    const ref = api.datasetReference ?? {};
    const apiLabels = strMap(api.labels);
    const labels = readLabels(apiLabels, state?.labels);
    return compact({
        project: ref.projectId,
        datasetId: ref.datasetId,
        accesses: flattenAccess(api.access),
        creationTime: num(api.creationTime) ?? 0,
        lastModifiedTime: num(api.lastModifiedTime) ?? 0,
        etag: api.etag,
        selfLink: api.selfLink,
        description: api.description,
        friendlyName: api.friendlyName,
        // Datasets from before multi-region BigQuery answer without a location: they are US.
        location: api.location ?? "US",
        maxTimeTravelHours: api.maxTimeTravelHours === undefined ? undefined : String(api.maxTimeTravelHours),
        defaultTableExpirationMs: num(api.defaultTableExpirationMs),
        defaultPartitionExpirationMs: num(api.defaultPartitionExpirationMs),
        defaultCollation: api.defaultCollation ?? "",
        isCaseInsensitive: api.isCaseInsensitive ?? false,
        storageBillingModel: api.storageBillingModel ?? "",
        labels,
        pulumiLabels: { ...ctx.config.defaultLabels, ...labels },
        effectiveLabels: apiLabels,
        deleteContentsOnDestroy: state?.deleteContentsOnDestroy ?? false,
        deletionPolicy: state?.deletionPolicy ?? "DELETE",
    });
}

function body(inputs: Props, labels: Record<string, string>): ApiObject {
    return compact({
        datasetReference: { datasetId: inputs.datasetId, projectId: inputs.project },
        location: inputs.location,
        description: inputs.description,
        friendlyName: inputs.friendlyName,
        labels: Object.keys(labels).length > 0 ? labels : undefined,
        maxTimeTravelHours: inputs.maxTimeTravelHours,
        defaultTableExpirationMs: inputs.defaultTableExpirationMs === undefined ? undefined : String(inputs.defaultTableExpirationMs),
        defaultPartitionExpirationMs: inputs.defaultPartitionExpirationMs === undefined ? undefined : String(inputs.defaultPartitionExpirationMs),
        defaultCollation: inputs.defaultCollation,
        isCaseInsensitive: inputs.isCaseInsensitive,
        storageBillingModel: inputs.storageBillingModel,
    });
}

const PATCHABLE = ["description", "friendlyName", "maxTimeTravelHours", "defaultTableExpirationMs", "defaultPartitionExpirationMs", "defaultCollation", "isCaseInsensitive", "storageBillingModel"];

export const datasetKind: ResourceKind = {
    token: GCP_TYPES.dataset,
    inputs: {
        datasetId: { required: true },
        project: { computed: true },
        // CaseDiffSuppress: "us" and "US" are one location.
        location: { default: "US", same: (a, b) => String(a ?? "").toUpperCase() === String(b ?? "").toUpperCase() },
        description: {},
        friendlyName: {},
        labels: {},
        maxTimeTravelHours: { computed: true },
        defaultTableExpirationMs: {},
        defaultPartitionExpirationMs: {},
        defaultCollation: { computed: true },
        isCaseInsensitive: { computed: true },
        storageBillingModel: { computed: true },
        deleteContentsOnDestroy: { default: false },
        deletionPolicy: { default: "DELETE" },
    },
    validate(inputs): Failure[] {
        const f: Failure[] = [];
        const id = inputs.datasetId;
        if (typeof id === "string" && !isUnknown(id)) {
            if (!DATASET_ID.test(id)) f.push({ property: "datasetId", reason: `"dataset_id" must contain only letters (a-z, A-Z), numbers (0-9), or underscores (_)` });
            if (id.length > 1024) f.push({ property: "datasetId", reason: `"dataset_id" cannot be greater than 1,024 characters` });
        }
        const exp = inputs.defaultTableExpirationMs;
        if (typeof exp === "number" && exp < 3600000) f.push({ property: "defaultTableExpirationMs", reason: `"default_table_expiration_ms" cannot be shorter than 3600000 milliseconds (one hour)` });
        if (typeof inputs.deletionPolicy === "string" && !isUnknown(inputs.deletionPolicy) && !DELETION_POLICIES.includes(inputs.deletionPolicy)) {
            f.push({ property: "deletionPolicy", reason: `deletionPolicy must be one of ${DELETION_POLICIES.join(", ")}` });
        }
        return f;
    },
    async create(inputs, ctx) {
        const { pulumiLabels, effective } = plannedLabels(ctx, inputs.labels, undefined, undefined);
        const bq = ctx.bigquery();
        const project = String(inputs.project);
        const datasetId = String(inputs.datasetId);
        await bq.insertDataset(project, body(inputs, effective));
        const api = await bq.getDataset(project, datasetId);
        const outs = outputs(api, { ...inputs, labels: inputs.labels ?? {} }, ctx);
        return { id: `projects/${project}/datasets/${datasetId}`, outs: { ...outs, pulumiLabels } };
    },
    async read(id, state, ctx) {
        const ref = datasetRef(id, str(state?.project) ?? ctx.config.project);
        let api: ApiObject;
        try {
            api = await ctx.bigquery().getDataset(ref.project, ref.datasetId);
        } catch (e) {
            if (isNotFound(e)) return undefined;
            throw e;
        }
        const outs = outputs(api, state, ctx);
        return { id: `projects/${ref.project}/datasets/${ref.datasetId}`, outs, inputs: inputsOf(datasetKind, outs) };
    },
    async update(id, olds, news, ctx) {
        const ref = datasetRef(id, str(news.project));
        const bq = ctx.bigquery();
        const patch: ApiObject = {};
        for (const k of PATCHABLE) {
            if (sameValue(olds[k], news[k]) || (news[k] === undefined && datasetKind.inputs[k].computed)) continue;
            const v = news[k];
            // Null clears a field in a PATCH; expirations travel as strings.
            patch[k] = v === undefined ? null : k.endsWith("ExpirationMs") ? String(v) : v;
        }
        const { pulumiLabels, effective } = plannedLabels(ctx, news.labels, olds.pulumiLabels, olds.effectiveLabels);
        if (!sameValue(effective, olds.effectiveLabels)) {
            const labels: Record<string, string | null> = { ...effective };
            for (const k of Object.keys(strMap(olds.effectiveLabels))) if (!(k in effective)) labels[k] = null;
            patch.labels = labels;
        }
        // Delete flags and the deletion policy live in the state only (clientSideFields upstream).
        if (Object.keys(patch).length > 0) await bq.patchDataset(ref.project, ref.datasetId, patch);
        const api = await bq.getDataset(ref.project, ref.datasetId);
        return { ...outputs(api, { ...news, labels: news.labels ?? {} }, ctx), pulumiLabels };
    },
    async delete(id, olds, ctx) {
        if (olds.deletionPolicy === "PREVENT") throw new Error(`cannot destroy BigQueryDataset without setting deletion_policy="DELETE" and running \`terraform apply\``);
        if (deletionPolicyStops(id, olds)) return;
        const ref = datasetRef(id, str(olds.project));
        try {
            await ctx.bigquery().deleteDataset(ref.project, ref.datasetId, olds.deleteContentsOnDestroy === true);
        } catch (e) {
            if (!isNotFound(e)) throw e;
        }
    },
};
