// The data move's BigQuery side against real BigQuery: events from a MariaDB (MYSQLURL, or a
// throwaway server) into a throwaway dataset with the catalogue's schema, verified by reading
// back, then deleted.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ANALYTICS_TABLES, toBigQueryFields } from "../../components/analytics";
import { moveData } from "../../datamove/move";
import { freshSource, mysqlExec, RunningMariaDb, startMariaDb } from "../../servers/mariadb";

const project = process.env.BIGQUERY_LIVE_PROJECT;
const location = process.env.BIGQUERY_LIVE_LOCATION ?? "US";
const reason = "BIGQUERY_LIVE_PROJECT is not set: the live suite needs a GCP project and credentials (gcloud auth application-default login)";
if (!project) console.log(`live data-move suite skipped: ${reason}`);

describe.skipIf(!project)("data move into real BigQuery", () => {
    const dataset = `synter_live_move_${Date.now()}`;
    const { BigQuery } = require("@google-cloud/bigquery");
    const client = new BigQuery({ projectId: project, location });
    let maria: RunningMariaDb;
    let source: string;

    beforeAll(async () => {
        maria = await startMariaDb();
        source = await freshSource(maria.url);
        await mysqlExec(
            source,
            `INSERT INTO events VALUES ('e1', 'signup', '2025-06-01 10:00:00.000001', 'google', 'c1', 'u1', 's1', '{"path": "/start", "budget": 12345678901234567890, "price": 1.50}'),
                                       ('e2', 'click', '2025-06-02 00:00:00', NULL, NULL, NULL, NULL, NULL),
                                       ('e3', 'click', '2025-06-02 00:00:00', NULL, NULL, NULL, NULL, 'null')`,
        );
        await client.createDataset(dataset, { location });
        const events = ANALYTICS_TABLES.find((t) => t.name === "events")!;
        await client.dataset(dataset).createTable("events", { schema: { fields: toBigQueryFields(events.columns) }, timePartitioning: { type: "DAY", field: "event_timestamp" } });
    });

    afterAll(async () => {
        await client.dataset(dataset).delete({ force: true }).catch(() => undefined);
        await maria?.stop();
    });

    // What the local warehouse is tested for, on BigQuery itself: JSON numbers exact, JSON null apart from SQL NULL.
    it("loads with the explicit schema and verifies every row, JSON numbers exact and a JSON null apart from NULL", async () => {
        const state = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "synter-live-")), "state.json");
        const reports = await moveData({
            source, bigqueryProject: project!, bigqueryDataset: dataset, bigqueryLocation: location, tables: ["events"],
            dryRun: false, datetimeOffset: "+00:00", state, force: false, out: { isTTY: false, write: () => true },
        });
        expect(reports[0]).toMatchObject({ table: "events", status: "verified", sourceRows: 3, targetRows: 3 });
    });
});
