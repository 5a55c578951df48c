// Type tokens of this project's dynamic resources, `pulumi-nodejs:dynamic/<module>:<Type>`: one
// list for the providers that register them and for the guard and policy pack that recognise
// them. No imports, so the policy pack can load it on its own.

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
