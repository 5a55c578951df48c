// Which input changes make pulumi-gcp replace a resource instead of updating it.
//
// pulumi-gcp is terraform-provider-google-beta behind the Terraform bridge: a property the
// Terraform schema marks ForceNew makes the bridge answer Diff with a replacement. The lists
// below are those ForceNew properties, by Pulumi name, read from
// terraform-provider-google-beta v7.45.0 (commit 3dc173a397749158369ea839a2890d89f8c9c370),
// the upstream that pulumi-gcp v9.35.0 pins as its `upstream` submodule; the installed SDK is
// 9.37.0, whose pin is not published in the sources read, and no 7.x release after 7.45.0 exists
// there. Line numbers are of that commit. Properties that are computed-only are left out: they
// are never inputs, so they cannot trigger a replacement.

/** Type tokens the stand-in implements; every other type is refused by name. */
export const GCP_TYPES = {
    service: "gcp:projects/service:Service",
    dataset: "gcp:bigquery/dataset:Dataset",
    datasetIamMember: "gcp:bigquery/datasetIamMember:DatasetIamMember",
    table: "gcp:bigquery/table:Table",
    account: "gcp:serviceaccount/account:Account",
    iamMember: "gcp:projects/iAMMember:IAMMember",
    key: "gcp:serviceaccount/key:Key",
} as const;

export type GcpType = (typeof GCP_TYPES)[keyof typeof GCP_TYPES];

/**
 * google-beta/tpgiamresource/resource_iam_member.go (IamMemberBaseSchema): the attributes every
 * `*_iam_member` resource adds to its parent's schema, all ForceNew (the resource has no Update).
 */
const IAM_MEMBER_BASE = [
    "role", // "role", L64-67
    "member", // "member", L69-72 (DiffSuppressFunc: iamMemberCaseDiffSuppress)
    "condition", // "condition", L76-80
    "condition.expression", // L83-86
    "condition.title", // L88-91
    "condition.description", // L93-96
];

/** ForceNew input properties by type, as dotted Pulumi paths (a nested block's field is `block.field`). */
export const FORCE_NEW: Readonly<Record<GcpType, readonly string[]>> = {
    // google-beta/services/bigquery/resource_bigquery_table.go
    [GCP_TYPES.table]: [
        "tableId", // "table_id", L701-704
        "datasetId", // "dataset_id", L709-712
        "project", // "project", L717-721
        "externalDataConfiguration.schema", // external_data_configuration "schema", L794-798
        "biglakeConfiguration", // "biglake_configuration", L1156-1160
        "biglakeConfiguration.connectionId", // L1168-1172
        "biglakeConfiguration.storageUri", // L1178-1181
        "biglakeConfiguration.fileFormat", // L1185-1188
        "biglakeConfiguration.tableFormat", // L1192-1195
        "schemaForeignTypeInfo", // "schema_foreign_type_info", L1259-1262
        "materializedView.allowNonIncrementalDefinition", // L1333-1337
        "materializedView.query", // L1342-1345
        // time_partitioning itself, its "type", "expiration_ms" and "require_partition_filter"
        // are updatable (L1354-1404); only the partitioning column forces a new table.
        "timePartitioning.field", // L1385-1388
        "rangePartitioning.field", // L1417-1420
        "encryptionConfiguration", // "encryption_configuration", L1478-1481
        "tableReplicationInfo", // "table_replication_info", L1718-1721
        "tableReplicationInfo.sourceProjectId", // L1726-1729
        "tableReplicationInfo.sourceDatasetId", // L1732-1735
        "tableReplicationInfo.sourceTableId", // L1738-1741
        "tableReplicationInfo.replicationIntervalMs", // L1744-1748
        // "schema" is not ForceNew; its CustomizeDiff (SCHEMA_CUSTOMIZE_DIFF below) decides.
    ],
    // google-beta/services/bigquery/resource_bigquery_dataset.go (generated)
    [GCP_TYPES.dataset]: [
        "datasetId", // "dataset_id", L229-232
        "externalDatasetReference", // "external_dataset_reference", L343-346
        "externalDatasetReference.connection", // L351-354
        "externalDatasetReference.externalSource", // L358-361
        "location", // "location", L391-394 (DiffSuppressFunc: CaseDiffSuppress)
        "project", // "project", L470-474
    ],
    // google_bigquery_dataset_iam_member = tpgiamresource.ResourceIamMember(IamMemberBigqueryDatasetSchema, ...):
    // google-beta/services/bigquery/iam_bigquery_member_dataset.go merged with
    // google-beta/tpgiamresource/resource_iam_member.go (IamMemberBaseSchema). The resource has
    // no Update function, so every input is ForceNew.
    [GCP_TYPES.datasetIamMember]: [
        "datasetId", // iam_bigquery_member_dataset.go "dataset_id", L41-44
        "project", // iam_bigquery_member_dataset.go "project", L46-50
        ...IAM_MEMBER_BASE,
    ],
    // google-beta/services/resourcemanager/resource_google_service_account.go
    [GCP_TYPES.account]: [
        "accountId", // "account_id", L90-93
        "project", // "project", L114-118
    ],
    // google_project_iam_member = tpgiamresource.ResourceIamMember(IamProjectSchema, ...):
    // google-beta/services/resourcemanager/iam_project.go merged with
    // google-beta/tpgiamresource/resource_iam_member.go.
    [GCP_TYPES.iamMember]: [
        "project", // iam_project.go "project", L35-38 (DiffSuppressFunc: CompareProjectName)
        ...IAM_MEMBER_BASE,
    ],
    // google-beta/services/resourcemanager/resource_google_service_account_key.go
    // ("name" L103-106 and "public_key" L109-112 are ForceNew but computed-only.)
    [GCP_TYPES.key]: [
        "serviceAccountId", // "service_account_id", L60-63
        "keyAlgorithm", // "key_algorithm", L67-71
        "privateKeyType", // "private_key_type", L75-79
        "publicKeyType", // "public_key_type", L82-86
        "publicKeyData", // "public_key_data", L89-92
        "keepers", // "keepers", L96-100
    ],
    // google-beta/services/resourcemanager/resource_google_project_service.go
    [GCP_TYPES.service]: [
        "service", // "service", L133-136
        "project", // "project", L139-143 (DiffSuppressFunc: CompareResourceNames)
    ],
};

/**
 * The table schema's replacement rule, from resource_bigquery_table.go:
 * resourceBigQueryTableSchemaCustomizeDiffFunc (L533-621) calls d.ForceNew("schema") when
 * resourceBigQueryTableSchemaIsChangeable (L408-531) says no. A column may be added (unless it is
 * REQUIRED), a column's mode may go REQUIRED -> NULLABLE, and top-level columns may be dropped in
 * place (by an ALTER TABLE ... DROP COLUMN before the update, L2689-2744) as long as no column is
 * added in the same change and the table has no row access policy. Retyping a column (beyond the
 * INTEGER/INT64, FLOAT/FLOAT64, BOOLEAN/BOOL aliases), renaming it, any other mode change, or
 * removing a nested field forces a new table.
 */
export const SCHEMA_CUSTOMIZE_DIFF = { type: GCP_TYPES.table, property: "schema" } as const;

/**
 * Types pulumi-gcp deletes before re-creating on replacement (`DeleteBeforeReplace: true` in
 * pulumi-gcp provider/resources.go at v9.35.0: google_project_iam_member L934-940,
 * google_bigquery_table L2273-2275). A table cannot exist twice under one id, so its old copy
 * goes first.
 */
export const DELETE_BEFORE_REPLACE: ReadonlySet<GcpType> = new Set([GCP_TYPES.table, GCP_TYPES.iamMember]);

export function isGcpType(t: string): t is GcpType {
    return (Object.values(GCP_TYPES) as string[]).includes(t);
}
