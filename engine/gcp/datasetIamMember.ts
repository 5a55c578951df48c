// gcp:bigquery/datasetIamMember:DatasetIamMember: one access entry on a dataset, after
// iam_bigquery_member_dataset.go and tpgiamresource/resource_iam_member.go. The entry is added
// to (or removed from) the dataset's `access` list with a PATCH; the read finds it again, with
// the legacy roles the API may answer with mapped back to IAM roles.
import { ApiObject, isNotFound } from "./bigquery";
import { datasetRef, LEGACY_DATASET_ROLES } from "./dataset";
import { GCP_TYPES } from "./forceNew";
import { Failure, inputsOf, ResourceKind } from "./kind";
import { compact, isUnknown, Props, str } from "../values";

// IamPrincipalIsCaseSensitive (tpgresource/utils.go): these principals keep their case.
const caseSensitive = (m: string) => /allAuthenticatedUsers|allUsers/.test(m) || /^(principalSet|principal|principalHierarchy):/.test(m);

/** iamMemberCaseDiffSuppress: members compare case-insensitively unless the principal is case-sensitive. */
export function sameMember(a: unknown, b: unknown): boolean {
    const x = String(a ?? "");
    const y = String(b ?? "");
    return caseSensitive(x) || caseSensitive(y) ? x === y : x.toLowerCase() === y.toLowerCase();
}

/** validateIAMMember (resource_iam_member.go): the reason a member is refused, or undefined. */
export function memberProblem(m: string): string | undefined {
    if (/^deleted/.test(m)) return `invalid value for member (Terraform does not support IAM members for deleted principals)`;
    if (!/(.+:.+|projectOwners|projectReaders|projectWriters|allUsers|allAuthenticatedUsers)/.test(m)) {
        return `invalid value "${m}" for member (IAM members must have one of the values outlined here: https://cloud.google.com/billing/docs/reference/rest/v1/Policy#Binding)`;
    }
    return undefined;
}

// The access list is read, changed and written back whole, so two members of one dataset made at
// once would each write a list without the other's entry. Upstream holds a lock per policy for
// the read-modify-write (tpgiamresource/iam.go, iamPolicyReadModifyWrite under mutexKV); the
// engine sends every resource of this provider to one plugin process, so a lock here does the same.
const datasetLocks = new Map<string, Promise<unknown>>();
async function onePerDataset<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const before = datasetLocks.get(key) ?? Promise.resolve();
    const run = before.catch(() => undefined).then(fn);
    datasetLocks.set(key, run);
    try {
        return await run;
    } finally {
        if (datasetLocks.get(key) === run) datasetLocks.delete(key);
    }
}

/** iamMemberToAccessForIamMember: the key and value of a dataset access entry for an IAM member. */
export function accessMember(member: string): [string, string] {
    const i = member.indexOf(":");
    if (i > 0) {
        const kind = member.slice(0, i);
        const value = member.slice(i + 1);
        const key = { group: "groupByEmail", domain: "domain", iamMember: "iamMember", user: "userByEmail", serviceAccount: "userByEmail" }[kind];
        if (key) return [key, value];
    }
    if (["projectOwners", "projectReaders", "projectWriters", "allAuthenticatedUsers"].includes(member)) return ["specialGroup", member];
    throw new Error(`Failed to parse BigQuery Dataset IAM member type: ${member}`);
}

/** accessToIamMemberForIamMember: the IAM member an access entry grants, or undefined for views, datasets and routines. */
export function entryMember(a: ApiObject): string | undefined {
    if (a.groupByEmail) return `group:${a.groupByEmail}`;
    if (a.domain) return `domain:${a.domain}`;
    if (a.specialGroup) return String(a.specialGroup);
    if (a.iamMember) return `iamMember:${a.iamMember}`;
    if (a.view || a.dataset || a.routine) return undefined;
    if (a.userByEmail) {
        const m = String(a.userByEmail);
        if (m.startsWith("deleted:") || m.includes("?uid=")) return m;
        return m.includes("gserviceaccount") ? `serviceAccount:${m}` : `user:${m}`;
    }
    return undefined;
}

const entryRole = (a: ApiObject) => (a.role === undefined ? undefined : LEGACY_DATASET_ROLES[a.role] ?? a.role);
const matches = (a: ApiObject, role: string, member: string) => !a.condition && entryRole(a) === role && sameMember(entryMember(a), member);

const memberId = (project: string, datasetId: string, role: string, member: string) => `projects/${project}/datasets/${datasetId}/${role}/${caseSensitive(member) ? member : member.replace(/:(.*)$/, (_m, v: string) => `:${v.toLowerCase()}`)}`;

/** The parts of a member id: projects/{p}/datasets/{d}/{role}/{member}, where the role holds slashes. */
function parseMemberId(id: string): { project: string; datasetId: string; role: string; member: string } {
    const m = /^projects\/([^/]+)\/datasets\/([^/]+)\/(.+)\/([^/]+)$/.exec(id);
    if (!m) throw new Error(`"${id}" is not a dataset IAM member id (projects/{project}/datasets/{dataset}/{role}/{member})`);
    return { project: m[1], datasetId: m[2], role: m[3], member: m[4] };
}

export const datasetIamMemberKind: ResourceKind = {
    token: GCP_TYPES.datasetIamMember,
    inputs: {
        datasetId: { required: true },
        project: { computed: true },
        role: { required: true },
        member: { required: true, same: sameMember },
    },
    validate(inputs): Failure[] {
        const f: Failure[] = [];
        const member = inputs.member;
        if (typeof member === "string" && !isUnknown(member)) {
            const problem = memberProblem(member);
            if (problem) f.push({ property: "member", reason: problem });
            else {
                try {
                    accessMember(member);
                } catch (e) {
                    f.push({ property: "member", reason: (e as Error).message });
                }
            }
        }
        const role = inputs.role;
        if (typeof role === "string" && LEGACY_DATASET_ROLES[role]) {
            f.push({ property: "role", reason: `BigQuery Dataset legacy role ${role} is not allowed when using google_bigquery_dataset_iam resources. Please use the full form: ${LEGACY_DATASET_ROLES[role]}` });
        }
        return f;
    },
    async create(inputs, ctx) {
        const project = String(inputs.project);
        const datasetId = String(inputs.datasetId);
        const role = String(inputs.role);
        const member = String(inputs.member);
        const bq = ctx.bigquery();
        await onePerDataset(`${project}.${datasetId}`, async () => {
            const ds = await bq.getDataset(project, datasetId);
            const access: ApiObject[] = Array.isArray(ds.access) ? ds.access : [];
            if (!access.some((a) => matches(a, role, member))) {
                const [key, value] = accessMember(member);
                await bq.patchDataset(project, datasetId, { access: [...access, { role, [key]: value }] });
            }
        });
        const id = memberId(project, datasetId, role, member);
        const found = await datasetIamMemberKind.read(id, inputs, ctx);
        if (!found) throw new Error(`access entry ${role} for ${member} did not appear on dataset ${project}.${datasetId}`);
        return { id, outs: found.outs };
    },
    async read(id, state, ctx) {
        const parts = parseMemberId(id);
        const project = str(state?.project) ?? parts.project;
        const datasetId = str(state?.datasetId) ?? parts.datasetId;
        const role = str(state?.role) ?? parts.role;
        const member = str(state?.member) ?? parts.member;
        let ds: ApiObject;
        try {
            ds = await ctx.bigquery().getDataset(project, datasetId);
        } catch (e) {
            if (isNotFound(e)) return undefined;
            throw e;
        }
        const entry = (Array.isArray(ds.access) ? (ds.access as ApiObject[]) : []).find((a) => matches(a, role, member));
        // A binding gone from the policy is a resource gone (resourceIamMemberRead sets the id to "").
        if (!entry) return undefined;
        const outs: Props = compact({ project, datasetId, role, member: entryMember(entry) ?? member, etag: ds.etag ?? "" });
        return { id, outs, inputs: inputsOf(datasetIamMemberKind, outs) };
    },
    async update(id, _olds, news, ctx) {
        // Every input is ForceNew, so an update changes nothing on the dataset.
        const found = await datasetIamMemberKind.read(id, news, ctx);
        return found?.outs ?? news;
    },
    async delete(id, olds, ctx) {
        const ref = datasetRef(`projects/${olds.project}/datasets/${olds.datasetId}`, undefined);
        const bq = ctx.bigquery();
        await onePerDataset(`${ref.project}.${ref.datasetId}`, async () => {
            let ds: ApiObject;
            try {
                ds = await bq.getDataset(ref.project, ref.datasetId);
            } catch (e) {
                if (isNotFound(e)) return;
                throw e;
            }
            const access: ApiObject[] = Array.isArray(ds.access) ? ds.access : [];
            const kept = access.filter((a) => !matches(a, String(olds.role), String(olds.member)));
            if (kept.length !== access.length) await bq.patchDataset(ref.project, ref.datasetId, { access: kept });
        });
    },
};
