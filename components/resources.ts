// How this project's resources are recognised wherever they are read back (the offline plan, the
// data-loss guard, the policy pack, the tests) and how the dynamic providers name their types:
// one list of type tokens, and one way to tell a view from a data table, to name a resource from
// its URN and to key a table reference. Only tableRef.ts is imported, so the policy pack loads it
// on its own.
import { qualifiedName, TableRef } from "./tableRef";

/** pulumi-gcp, postgresql and random types the readers of a plan or preview look for. */
export const TABLE_TYPE = "gcp:bigquery/table:Table";
export const DATASET_TYPE = "gcp:bigquery/dataset:Dataset";
export const SERVICE_TYPE = "gcp:projects/service:Service";
export const SERVICE_ACCOUNT_TYPE = "gcp:serviceaccount/account:Account";
export const SERVICE_ACCOUNT_KEY_TYPE = "gcp:serviceaccount/key:Key";
export const POSTGRES_DATABASE_TYPE = "postgresql:index/database:Database";
export const RANDOM_PASSWORD_TYPE = "random:index/randomPassword:RandomPassword";

export const DYNAMIC_PREFIX = "pulumi-nodejs:dynamic/";
/** Module of the analytics migration's resources. */
export const MIGRATION_MODULE = "synter-migration";
/** Module of the Postgres schema migrations. */
export const POSTGRES_MODULE = "synter-postgres";
/** Module of the application's variables on Railway. */
export const RAILWAY_MODULE = "synter-railway";

export const dynamicType = (module: string, type: string) => `${DYNAMIC_PREFIX}${module}:${type}`;

export const MIGRATION_TYPES = {
    PhaseGate: dynamicType(MIGRATION_MODULE, "PhaseGate"),
    ParityCheck: dynamicType(MIGRATION_MODULE, "ParityCheck"),
    TableSnapshot: dynamicType(MIGRATION_MODULE, "TableSnapshot"),
    TableDrop: dynamicType(MIGRATION_MODULE, "TableDrop"),
    TableRename: dynamicType(MIGRATION_MODULE, "TableRename"),
    TableRestore: dynamicType(MIGRATION_MODULE, "TableRestore"),
} as const;

export const SCHEMA_MIGRATIONS_TYPE = dynamicType(POSTGRES_MODULE, "SchemaMigrations");

export const RAILWAY_VARIABLES_TYPE = dynamicType(RAILWAY_MODULE, "ServiceVariables");

/**
 * Whether a table's properties (inputs or outputs) declare a view, logical or materialized: it
 * holds no data of its own, so replacing or deleting it loses nothing. The type is the caller's
 * to check.
 */
export const declaresView = (props: Record<string, unknown> | undefined): boolean => !!props?.view || !!props?.materializedView;

/** The resource name at the end of a URN (`urn:pulumi:stack::project::type::name`); a string that is no URN, as it is. */
export const nameOfUrn = (urn: string): string => urn.split("::").slice(3).join("::") || urn;

/** The type token of a resource URN (`urn:pulumi:stack::project::parent$type::name`), without its parents' types. */
export function typeOfUrn(urn: string): string {
    const qualified = urn.split("::")[2] ?? "";
    return qualified.split("$").pop() ?? "";
}

/** A table reference as `project.dataset.table`, for matching references across resources; "" for none. */
export const refKey = (r: TableRef | undefined | null): string => (r ? qualifiedName(r) : "");
