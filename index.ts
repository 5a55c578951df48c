// synter-infra: Synter's data platform on GCP BigQuery (analytics) and PostgreSQL (auth),
// with the analytics schema migration driven by `migrationPhase`. Redis stays as it is;
// its URL is passed through to the application.
import * as pulumi from "@pulumi/pulumi";
import { AnalyticsDataset, AnalyticsTables, AnalyticsViews, CATALOGUE } from "./components/analytics";
import { AuthDatabase } from "./components/authDatabase";
import { AnalyticsMigration } from "./components/migration";
import { phaseLayout, shownStep } from "./components/phase";
import { readMigrations } from "./components/postgres";
import { ProjectServices } from "./components/projectServices";
import { RailwayVariables } from "./components/railway";
import { AnalyticsServiceAccount } from "./components/serviceAccount";
import { readSqlFolder } from "./components/sql";
import { loadStackConfig } from "./config";

// 1. Configuration, then what this phase declares (tables, views, migration steps): both are
// validated before any resource is registered.
const cfg = loadStackConfig();
const layout = phaseLayout(cfg, CATALOGUE, { views: readSqlFolder("views"), parity: readSqlFolder("parity") });
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
const migration = new AnalyticsMigration(
    "migration",
    {
        project: cfg.gcpProject,
        location: cfg.dataset.location,
        dataset: analytics.dataset,
        phase: layout.phase,
        steps: layout.steps,
        backupDatasetId: layout.backupDatasetId,
        parityTolerance: cfg.migration.parityTolerance,
        maximumBytesBilled: cfg.migration.maximumBytesBilled,
        snapshotExpirationDays: cfg.migration.snapshotExpirationDays,
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
    madeBy: migration.tablesMade,
});
new AnalyticsViews("analytics", { project: cfg.gcpProject, datasetId: cfg.dataset.id, views: layout.views, sources: { ...migration.tablesMade, ...tables.tables }, labels });

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
export const migrationPhase = layout.phase;
export const migrationSteps = layout.steps.map(shownStep);

// 6. When configured, the same variables on the application's Railway service, once the database
// and the identity they point at are complete; the key only when one is created.
if (cfg.railway) {
    new RailwayVariables(
        "app",
        { ...cfg.railway, variables: { POSTGRES_URL, BIGQUERY_PROJECT_ID, BIGQUERY_DATASET, GOOGLE_APPLICATION_CREDENTIALS: serviceAccount.privateKeyBase64, REDIS_URL } },
        { dependsOn: [auth, serviceAccount] },
    );
}
