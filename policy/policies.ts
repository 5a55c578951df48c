// The synter-infra policy pack's rules, kept apart from index.ts so tests can import them
// without starting a policy server (constructing a PolicyPack starts one).
import { DATASET_TYPE, declaresView, DYNAMIC_PREFIX, MIGRATION_TYPES, RAILWAY_VARIABLES_TYPE, refKey, SCHEMA_MIGRATIONS_TYPE, SERVICE_ACCOUNT_KEY_TYPE, TABLE_TYPE } from "../components/resources";
import type { PolicyResource, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";

/** The dynamic resources this project defines and their required inputs; any other dynamic provider is unreviewed code. */
export const KNOWN_DYNAMIC_TYPES: Readonly<Record<string, readonly string[]>> = {
    [MIGRATION_TYPES.PhaseGate]: ["phase"],
    [MIGRATION_TYPES.ParityCheck]: ["mapping", "query", "tolerance"],
    [MIGRATION_TYPES.TableSnapshot]: ["source", "snapshot", "expirationDays"],
    // snapshotRows is the snapshot's output: unknown during preview, so not required here.
    [MIGRATION_TYPES.TableDrop]: ["table", "snapshot"],
    [MIGRATION_TYPES.TableRename]: ["from", "to"],
    [MIGRATION_TYPES.TableRestore]: ["snapshot", "target"],
    [SCHEMA_MIGRATIONS_TYPE]: ["migrations", "target"],
    [RAILWAY_VARIABLES_TYPE]: ["projectId", "environmentId", "serviceId", "token", "variables"],
};

const labelsOf = (props: Record<string, any>) => (props.labels ?? {}) as Record<string, string>;
const PUBLIC_MEMBERS = /\b(allUsers|allAuthenticatedUsers)\b/;

export const dataTablesPartitionedAndClustered: ResourceValidationPolicy = {
    name: "bigquery-data-tables-partitioned-and-clustered",
    description: "BigQuery data tables are partitioned and clustered, so queries scan (and bill) only what they need. Legacy tables being migrated away are exempt.",
    enforcementLevel: "mandatory",
    validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
        if (args.type !== TABLE_TYPE || declaresView(args.props) || labelsOf(args.props).role === "legacy") return;
        if (!args.props.timePartitioning && !args.props.rangePartitioning) report(`table ${args.props.tableId ?? args.name} has no partitioning`);
        if (!Array.isArray(args.props.clusterings) || args.props.clusterings.length === 0) report(`table ${args.props.tableId ?? args.name} has no clustering`);
    },
};

export const prodDataProtected: StackValidationPolicy = {
    name: "prod-data-deletion-protection",
    description:
        "In prod (label env=prod), data tables carry BigQuery deletion protection and Pulumi protect; datasets carry Pulumi protect and never delete their contents. A table that a TableRename or TableDrop of the same update moves away is exempt from protect: Pulumi refuses to let a protected resource leave the program, and its table no longer exists.",
    enforcementLevel: "mandatory",
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const movedAway = new Set<string>();
        for (const r of args.resources) {
            if (r.type === MIGRATION_TYPES.TableRename) movedAway.add(`${r.props.dataset}.${r.props.from}`);
            if (r.type === MIGRATION_TYPES.TableDrop && r.props.table) movedAway.add(`${r.props.table.dataset}.${r.props.table.table}`);
        }
        for (const r of args.resources) {
            if (labelsOf(r.props).env !== "prod") continue;
            if (r.type === TABLE_TYPE && !declaresView(r.props)) {
                if (r.props.deletionProtection !== true) report(`table ${r.props.tableId ?? r.name} lacks deletionProtection in prod`);
                if (!r.opts.protect && !movedAway.has(`${r.props.datasetId}.${r.props.tableId}`)) report(`table ${r.props.tableId ?? r.name} lacks Pulumi protect in prod`);
            }
            if (r.type === DATASET_TYPE) {
                if (!r.opts.protect) report(`dataset ${r.props.datasetId ?? r.name} lacks Pulumi protect in prod`);
                if (r.props.deleteContentsOnDestroy === true) report(`dataset ${r.props.datasetId ?? r.name} would delete its tables on destroy`);
            }
        }
    },
};

export const noPublicIam: ResourceValidationPolicy = {
    name: "no-public-iam-members",
    description: "No IAM member, binding or dataset access entry grants anything to allUsers or allAuthenticatedUsers.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        const iamLike = /iam|IAM|Iam|dataset:Dataset|datasetAccess/.test(args.type);
        if (!iamLike) return;
        const text = JSON.stringify({ member: args.props.member, members: args.props.members, access: args.props.accesses, policyData: args.props.policyData, special: args.props.specialGroup, iamMember: args.props.iamMember });
        const m = PUBLIC_MEMBERS.exec(text);
        if (m) report(`${args.type} ${args.name} grants access to ${m[1]}`);
    },
};

export interface KeyPolicyConfig {
    /** The stack's `createServiceAccountKey`: `npm run policy:config -- --stack <name>` writes it. */
    readonly allowServiceAccountKey: boolean;
}

export const noServiceAccountKey: ResourceValidationPolicy = {
    name: "no-service-account-key-unless-allowed",
    description: "Service-account keys are long-lived secrets: one exists only where the stack's config allows it (createServiceAccountKey).",
    enforcementLevel: "mandatory",
    configSchema: { properties: { allowServiceAccountKey: { type: "boolean", default: false } } },
    validateResource: (args, report) => {
        if (args.type !== SERVICE_ACCOUNT_KEY_TYPE) return;
        if (!args.getConfig<KeyPolicyConfig>().allowServiceAccountKey) report(`service-account key ${args.name} is not allowed by this stack's config (createServiceAccountKey is false)`);
    },
};

export const labelled: ResourceValidationPolicy = {
    name: "datasets-and-tables-labelled",
    description: "Datasets and tables carry the labels env and managed-by, so cost reports and clean-ups can tell them apart.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (args.type !== TABLE_TYPE && args.type !== DATASET_TYPE) return;
        const labels = labelsOf(args.props);
        const missing = ["env", "managed-by"].filter((l) => !labels[l]);
        if (missing.length) report(`${args.type === TABLE_TYPE ? "table" : "dataset"} ${args.props.tableId ?? args.props.datasetId ?? args.name} lacks label ${missing.join(", ")}`);
    },
};

export const knownMigrationResources: ResourceValidationPolicy = {
    name: "known-migration-resources",
    description: "Dynamic resources are only this project's migration providers (recognised by their pulumi-nodejs:dynamic/... type token), each with a version and its required inputs.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (!args.type.startsWith(DYNAMIC_PREFIX)) return;
        const required = KNOWN_DYNAMIC_TYPES[args.type];
        if (!required) {
            report(`${args.type} (${args.name}) is not one of this project's dynamic resources: ${Object.keys(KNOWN_DYNAMIC_TYPES).join(", ")}`);
            return;
        }
        for (const k of ["version", ...required]) if (args.props[k] === undefined || args.props[k] === null) report(`${args.type} ${args.name} lacks its ${k} input`);
    },
};

export const dropsFollowSnapshots: StackValidationPolicy = {
    name: "drops-follow-snapshots",
    description: "Every TableDrop drops a table that a TableSnapshot of the same stack snapshots into the drop's own snapshot reference.",
    enforcementLevel: "mandatory",
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const snapshots = args.resources.filter((r: PolicyResource) => r.type === MIGRATION_TYPES.TableSnapshot);
        for (const d of args.resources.filter((r) => r.type === MIGRATION_TYPES.TableDrop)) {
            const ok = snapshots.some((s) => refKey(s.props.source) === refKey(d.props.table) && refKey(s.props.snapshot) === refKey(d.props.snapshot));
            if (!ok) report(`${d.name} drops ${refKey(d.props.table)} with no TableSnapshot of it into ${refKey(d.props.snapshot)}`);
        }
    },
};

export const policies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
    dataTablesPartitionedAndClustered,
    prodDataProtected,
    noPublicIam,
    noServiceAccountKey,
    labelled,
    knownMigrationResources,
    dropsFollowSnapshots,
];
