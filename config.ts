import * as pulumi from "@pulumi/pulumi";
import { RAILWAY_API_URL } from "./components/railway/client";
import { RAILWAY_ID } from "./components/railway/variables";

/** Deployment environments; `prod` enforces the strict settings. */
export const ENVIRONMENTS = ["dev", "prod"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** Phases of the analytics schema migration, in runbook order. */
export const MIGRATION_PHASES = ["parallel", "validate", "cutover", "complete", "rollback"] as const;
export type MigrationPhase = (typeof MIGRATION_PHASES)[number];

/** How the stack treats the legacy analytics tables. */
export const LEGACY_MODES = ["adopt", "create", "none"] as const;
export type LegacyMode = (typeof LEGACY_MODES)[number];

/** libpq sslmode values accepted for the Postgres admin connection. */
export const SSL_MODES = ["disable", "require", "verify-ca", "verify-full"] as const;
export type SslMode = (typeof SSL_MODES)[number];

/** Everything the program reads from stack configuration, validated and typed. */
export interface StackConfig {
    readonly gcpProject: string;
    readonly environment: Environment;
    /** Pulumi `protect` on what holds data: the dataset, its data tables, the backup dataset and the auth database. */
    readonly protectDataTables: boolean;
    readonly dataset: {
        readonly id: string;
        readonly location: string;
        readonly timeTravelHours: number;
        /** BigQuery-side deletion protection on data tables. */
        readonly deletionProtection: boolean;
        readonly requirePartitionFilter: boolean;
        /** Principals given READER on the dataset besides the service account (e.g. `group:analysts@synter.io`). */
        readonly readers: readonly string[];
    };
    readonly legacyTables: LegacyMode;
    readonly serviceAccount: {
        readonly accountId: string;
        readonly createKey: boolean;
    };
    readonly migration: {
        readonly phase: MigrationPhase;
        readonly backupDatasetId: string;
        readonly snapshotExpirationDays: number;
        readonly parityTolerance: number;
        readonly maximumBytesBilled: number;
    };
    readonly postgres: {
        readonly host: string;
        readonly port: number;
        readonly adminUser: string;
        readonly adminPassword: pulumi.Output<string>;
        readonly sslMode: SslMode;
        readonly database: string;
        readonly appRole: string;
    };
    readonly redisUrl: pulumi.Output<string>;
    /** The application's Railway service, whose variables `pulumi up` sets; undefined when not configured. */
    readonly railway?: {
        readonly projectId: string;
        readonly environmentId: string;
        readonly serviceId: string;
        readonly token: pulumi.Output<string>;
        readonly apiUrl: string;
        readonly removeOnDelete: boolean;
    };
}

/** A configuration value that is present but not allowed; the message names key, value and what is allowed. */
export class ConfigError extends Error {
    constructor(
        readonly key: string,
        readonly value: unknown,
        readonly allowed: string,
    ) {
        super(`Invalid stack configuration ${key} = ${JSON.stringify(value)}: ${allowed}.`);
        this.name = "ConfigError";
    }
}

const BQ_ID = /^[A-Za-z0-9_]{1,1024}$/;
const GCP_PROJECT = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
const SA_ID = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
const PG_IDENT = /^[a-z_][a-z0-9_]{0,62}$/;
const IAM_MEMBER = /^(user|group|serviceAccount|domain):[^\s]+$/;

/** Reads and validates all stack configuration; throws ConfigError before any resource exists. */
export function loadStackConfig(): StackConfig {
    const namespace = pulumi.getProject();
    const cfg = new pulumi.Config();
    const k = (key: string) => `${namespace}:${key}`;

    // pulumi.Config's constrained getters (allowedValues, pattern, min, max) check the same rules,
    // but say less: "value 'staging' is not a legal enum value (["dev","prod"])", "does not match
    // the regular expression /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/", "is outside of the legal range
    // (min: 48, max: 168, inclusive)". These getters keep every message in ConfigError's one
    // shape, naming the key and saying in words what is allowed, as the cross-field rules below do.
    const oneOf = <T extends string>(key: string, allowed: readonly T[], fallback?: T): T => {
        const raw = fallback === undefined ? cfg.require(key) : (cfg.get(key) ?? fallback);
        if (!(allowed as readonly string[]).includes(raw)) {
            throw new ConfigError(k(key), raw, `must be one of ${allowed.join(", ")}`);
        }
        return raw as T;
    };
    const matching = (key: string, re: RegExp, what: string, fallback?: string): string => {
        const raw = fallback === undefined ? cfg.require(key) : (cfg.get(key) ?? fallback);
        if (!re.test(raw)) throw new ConfigError(k(key), raw, what);
        return raw;
    };
    const int = (key: string, fallback: number, min: number, max: number, extra?: (n: number) => string | undefined): number => {
        const raw = cfg.get(key);
        if (raw === undefined) return fallback;
        const n = Number(raw);
        if (!Number.isInteger(n) || n < min || n > max) {
            throw new ConfigError(k(key), raw, `must be a whole number from ${min} to ${max}`);
        }
        const problem = extra?.(n);
        if (problem) throw new ConfigError(k(key), raw, problem);
        return n;
    };
    const bool = (key: string, fallback: boolean): boolean => {
        const raw = cfg.get(key);
        if (raw === undefined) return fallback;
        if (raw !== "true" && raw !== "false") throw new ConfigError(k(key), raw, "must be true or false");
        return raw === "true";
    };

    const environment = oneOf("environment", ENVIRONMENTS);
    const gcpProject = matching("gcpProject", GCP_PROJECT, "must be a GCP project id: 6-30 lowercase letters, digits or hyphens, starting with a letter");
    const datasetId = matching("datasetId", BQ_ID, "must be letters, digits and underscores only", "synter_analytics");
    const datasetLocation = matching("datasetLocation", /^[A-Za-z0-9-]+$/, "must be a BigQuery location such as US, EU or us-central1", "US");
    const timeTravelHours = int("timeTravelHours", 168, 48, 168, (n) =>
        n % 24 === 0 ? undefined : "must be a multiple of 24 from 48 to 168 (BigQuery accepts whole days only)",
    );
    const deletionProtection = bool("deletionProtection", true);
    const protectDataTables = bool("protectDataTables", environment === "prod");
    const requirePartitionFilter = bool("requirePartitionFilter", environment === "prod");
    const readersRaw = cfg.getObject<unknown>("datasetReaders") ?? [];
    if (!Array.isArray(readersRaw) || readersRaw.some((m) => typeof m !== "string" || !IAM_MEMBER.test(m))) {
        throw new ConfigError(k("datasetReaders"), readersRaw, "must be a list of IAM members such as group:analysts@example.com (no allUsers or allAuthenticatedUsers)");
    }
    if (environment === "prod") {
        if (!deletionProtection) throw new ConfigError(k("deletionProtection"), false, "must be true when environment is prod");
        if (!protectDataTables) throw new ConfigError(k("protectDataTables"), false, "must be true when environment is prod");
    }

    const legacyTables = oneOf("legacyTables", LEGACY_MODES, "adopt");
    const phase = oneOf("migrationPhase", MIGRATION_PHASES, "parallel");
    if (legacyTables === "none" && phase !== "parallel" && phase !== "complete") {
        throw new ConfigError(k("migrationPhase"), phase, `needs legacy tables to migrate from; with ${k("legacyTables")} = "none" only parallel and complete are allowed`);
    }
    // Pulumi requires every key declared without a default, so the derived default is declared as "".
    const backupRaw = cfg.get("backupDatasetId") || `${datasetId}_backup`;
    if (!BQ_ID.test(backupRaw)) throw new ConfigError(k("backupDatasetId"), backupRaw, "must be letters, digits and underscores only");
    const backupDatasetId = backupRaw;
    if (backupDatasetId === datasetId) {
        throw new ConfigError(k("backupDatasetId"), backupDatasetId, `must differ from ${k("datasetId")}`);
    }
    const snapshotExpirationDays = int("snapshotExpirationDays", 30, 1, 365);
    const toleranceRaw = cfg.get("parityTolerance");
    const parityTolerance = toleranceRaw === undefined ? 0 : Number(toleranceRaw);
    if (!Number.isFinite(parityTolerance) || parityTolerance < 0 || parityTolerance > 0.05) {
        throw new ConfigError(k("parityTolerance"), toleranceRaw, "must be a relative difference from 0 to 0.05");
    }
    const maximumBytesBilled = int("maximumBytesBilled", 10 * 1024 ** 3, 10 * 1024 ** 2, 10 * 1024 ** 4);

    const accountId = matching("serviceAccountId", SA_ID, "must be 6-30 lowercase letters, digits or hyphens, starting with a letter", "synter-analytics");
    const createKey = bool("createServiceAccountKey", false);

    const pgHost = matching("postgresHost", /^[A-Za-z0-9.-]+$/, "must be a host name or IP address");
    const pgPort = int("postgresPort", 5432, 1, 65535);
    const adminUser = matching("postgresAdminUser", PG_IDENT, "must be a Postgres role name (lowercase letters, digits, underscores)", "postgres");
    const sslMode = oneOf("postgresSslMode", SSL_MODES, "require");
    if (environment === "prod" && sslMode === "disable") {
        throw new ConfigError(k("postgresSslMode"), sslMode, "must not be disable when environment is prod");
    }
    const database = matching("postgresDatabase", PG_IDENT, "must be a Postgres database name (lowercase letters, digits, underscores)", "synter");
    const appRole = matching("postgresAppRole", PG_IDENT, "must be a Postgres role name (lowercase letters, digits, underscores)", "synter_user");
    if (appRole === adminUser) {
        throw new ConfigError(k("postgresAppRole"), appRole, `must differ from ${k("postgresAdminUser")}: the application never runs as the admin`);
    }
    const adminPassword = cfg.requireSecret("postgresAdminPassword");

    // Read raw so a malformed URL fails here, before any resource is registered, not later inside an apply.
    const redisRaw = pulumi.runtime.getConfig(k("redisUrl"));
    if (redisRaw === undefined) {
        throw new ConfigError(k("redisUrl"), null, `is required: set it with \`pulumi config set --secret redisUrl rediss://...\``);
    }
    if (!/^rediss?:\/\/\S+$/.test(redisRaw)) {
        throw new ConfigError(k("redisUrl"), "[secret]", "must be a redis:// or rediss:// URL");
    }
    const redisUrl = pulumi.secret(redisRaw);

    // Railway is off unless configured; then the three ids and the token are all required, and the
    // token must be encrypted in the stack file. Only this machine may be reached over plain http.
    const apiUrlShape = /^(https:\/\/\S+|http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?(\/\S*)?)$/;
    const railwayApiUrl = matching("railwayApiUrl", apiUrlShape, `must be an https:// URL such as ${RAILWAY_API_URL} (http:// only for localhost or 127.0.0.1)`, RAILWAY_API_URL);
    const railwayRemoveOnDelete = bool("railwayRemoveOnDelete", false);
    const railwayIds = { railwayProjectId: cfg.get("railwayProjectId") ?? "", railwayEnvironmentId: cfg.get("railwayEnvironmentId") ?? "", railwayServiceId: cfg.get("railwayServiceId") ?? "" };
    const railwayToken = cfg.get("railwayToken") ?? "";
    let railway: StackConfig["railway"];
    if (railwayToken || Object.values(railwayIds).some((v) => v !== "")) {
        const together = "railwayProjectId, railwayEnvironmentId, railwayServiceId and railwayToken are set together or not at all";
        for (const [key, value] of Object.entries(railwayIds)) {
            if (value === "") throw new ConfigError(k(key), null, `is required: ${together}`);
            if (!RAILWAY_ID.test(value)) throw new ConfigError(k(key), value, "must be a Railway id: a UUID, as the Railway dashboard copies it");
        }
        const setIt = "`pulumi config set --secret railwayToken <project token>`";
        if (railwayToken === "") throw new ConfigError(k("railwayToken"), null, `is required: ${together}; set it with ${setIt}`);
        // The SDK knows which keys were set with --secret but does not type the question; a token in
        // clear would sit in the stack file, in the repository.
        const isSecret = (pulumi.runtime as unknown as { isConfigSecret(key: string): boolean }).isConfigSecret(k("railwayToken"));
        if (!isSecret) throw new ConfigError(k("railwayToken"), "[not shown]", `must be stored encrypted: set it with ${setIt}`);
        railway = {
            projectId: railwayIds.railwayProjectId,
            environmentId: railwayIds.railwayEnvironmentId,
            serviceId: railwayIds.railwayServiceId,
            token: pulumi.secret(railwayToken),
            apiUrl: railwayApiUrl,
            removeOnDelete: railwayRemoveOnDelete,
        };
    }

    return {
        gcpProject,
        environment,
        protectDataTables,
        dataset: { id: datasetId, location: datasetLocation, timeTravelHours, deletionProtection, requirePartitionFilter, readers: readersRaw as string[] },
        legacyTables,
        serviceAccount: { accountId, createKey },
        migration: { phase, backupDatasetId, snapshotExpirationDays, parityTolerance, maximumBytesBilled },
        postgres: { host: pgHost, port: pgPort, adminUser, adminPassword, sslMode, database, appRole },
        redisUrl,
        railway,
    };
}
