// synter-infra: Synter's data platform on GCP BigQuery (analytics) and PostgreSQL (auth),
// with the analytics schema migration driven by `migrationPhase`. Redis stays as it is;
// its URL is passed through to the application.
import * as pulumi from "@pulumi/pulumi";
import { AnalyticsDataset, AnalyticsTables, AnalyticsViews, CATALOGUE, planViews, validateCatalogue } from "./components/analytics";
import { AuthDatabase } from "./components/authDatabase";
import { readMigrations } from "./components/postgres";
import { migrationInputs, migrationSteps as planSteps, phaseLayout, SchemaMigration, tablesMadeBySteps } from "./components/migration";
import { ProjectServices } from "./components/projectServices";
import { RailwayVariables } from "./components/railway";
import { AnalyticsServiceAccount } from "./components/serviceAccount";
import { readSqlFolder } from "./components/sql";
import { loadStackConfig } from "./config";

// 1. Configuration and catalogue: everything is validated before any resource is registered.
const cfg = loadStackConfig();
validateCatalogue(CATALOGUE);
const layout = phaseLayout(cfg.migration.phase, cfg.legacyTables, CATALOGUE);
const sqlContext = { project: cfg.gcpProject, dataset: cfg.dataset.id, v2: layout.v2Suffix };
const migrationPlan = migrationInputs(cfg.gcpProject, cfg.dataset.id, cfg.migration.backupDatasetId, cfg.legacyTables);
const steps = planSteps(cfg.migration.phase, migrationPlan.steps);
const views = planViews(readSqlFolder("views"), sqlContext, new Set([...layout.tables.map((t) => t.tableId), ...tablesMadeBySteps(steps)]));
const labels = { env: cfg.environment, "managed-by": "pulumi", stack: pulumi.getStack().toLowerCase().replace(/[^a-z0-9_-]/g, "-") };

// 2. Project APIs; everything that calls them waits for them.
const services = new ProjectServices("synter", { project: cfg.gcpProject });
const afterApis = { dependsOn: services.services };

// 3. The analytics dataset, its tables for this phase, and the views on them.
const analytics = new AnalyticsDataset(
    "analytics",
    {
        project: cfg.gcpProject,
        datasetId: cfg.dataset.id,
        location: cfg.dataset.location,
        timeTravelHours: cfg.dataset.timeTravelHours,
        labels,
        readers: cfg.dataset.readers,
        protect: cfg.protectDataTables,
        adopt: cfg.legacyTables === "adopt",
    },
    afterApis,
);
const migration = new SchemaMigration(
    "migration",
    {
        project: cfg.gcpProject,
        location: cfg.dataset.location,
        datasetId: cfg.dataset.id,
        dataset: analytics.dataset,
        backupDatasetId: cfg.migration.backupDatasetId,
        phase: cfg.migration.phase,
        steps,
        parityQueries: migrationPlan.parityQueries,
        parityTolerance: cfg.migration.parityTolerance,
        maximumBytesBilled: cfg.migration.maximumBytesBilled,
        snapshotExpirationDays: cfg.migration.snapshotExpirationDays,
        // Declared from the first phase on, so the protected dataset never has to leave the program
        // (a rollback goes back to phases without snapshots).
        createBackupDataset: cfg.legacyTables !== "none",
        labels,
        protect: cfg.protectDataTables,
    },
    afterApis,
);
const tables = new AnalyticsTables("analytics", {
    project: cfg.gcpProject,
    datasetId: cfg.dataset.id,
    dataset: analytics.dataset,
    tables: layout.tables,
    deletionProtection: cfg.dataset.deletionProtection,
    requirePartitionFilter: cfg.dataset.requirePartitionFilter,
    protect: cfg.protectDataTables,
    labels,
    // In the rollback, restored and renamed-back tables are adopted only after their step ran.
    after: Object.fromEntries(Object.entries(migration.provides).map(([id, r]) => [id, [r]])),
});
new AnalyticsViews("analytics", { project: cfg.gcpProject, datasetId: cfg.dataset.id, views, sources: { ...migration.provides, ...tables.tables }, labels });

// 4. The application's BigQuery identity.
const serviceAccount = new AnalyticsServiceAccount(
    "analytics-app",
    { project: cfg.gcpProject, accountId: cfg.serviceAccount.accountId, datasetId: analytics.datasetId, createKey: cfg.serviceAccount.createKey },
    afterApis,
);

// 5. The auth database on PostgreSQL.
const auth = new AuthDatabase("auth", { ...cfg.postgres, protect: cfg.protectDataTables, migrations: readMigrations() });

// What the application reads from its environment; secrets stay secret.
export const POSTGRES_URL = auth.url;
export const BIGQUERY_PROJECT_ID = cfg.gcpProject;
export const BIGQUERY_DATASET = analytics.datasetId;
export const GOOGLE_APPLICATION_CREDENTIALS = serviceAccount.privateKeyBase64 ?? "";
export const REDIS_URL = cfg.redisUrl;
export const serviceAccountEmail = serviceAccount.email;
export const migrationPhase = cfg.migration.phase;
export const migrationSteps = steps;

// 6. When configured, the same variables on the application's Railway service, once the database
// and the identity they point at are complete; the key only when one is created.
if (cfg.railway) {
    new RailwayVariables(
        "app",
        { ...cfg.railway, variables: { POSTGRES_URL, BIGQUERY_PROJECT_ID, BIGQUERY_DATASET, GOOGLE_APPLICATION_CREDENTIALS: serviceAccount.privateKeyBase64, REDIS_URL } },
        { dependsOn: [auth, serviceAccount] },
    );
}
