// Per-test set-up for the data-move suites: fresh source and target databases on the shared
// servers and an emptied local warehouse holding the analytics tables, with the move's options
// pointing at them.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, beforeAll, beforeEach, inject } from "vitest";
import type { MoveOptions, TableReport } from "../../datamove/move";
import { LocalWarehouse, type Row } from "../../warehouse";
import { freshSource, mysqlExec } from "../../servers/mariadb";
import { freshAuthDatabase } from "../../servers/postgres";
import { pgQuery, seedAnalyticsTables } from "../support/datamove";

export const PROJECT = "synter-dev";
export const DATASET = "synter_analytics";

export interface MoveFixture {
    warehouse: LocalWarehouse;
    /** Source database URL. */
    source: string;
    /** Target PostgreSQL database URL. */
    target: string;
    stateFile: string;
    /** Progress output. */
    lines: string[];
    options(o?: Partial<MoveOptions>): MoveOptions;
    /**
     * The rows a BigQuery table holds, in load order: INT64 and NUMERIC as exact decimal text,
     * TIMESTAMP as UTC text to the microsecond, JSON as the text loaded ("null" for JSON's null),
     * SQL NULL as null.
     */
    rows(table: string): Row[];
    uploads(): number;
    pg(sql: string, params?: unknown[]): Promise<any[]>;
    mysql(sql: string, params?: unknown[]): Promise<any>;
}

/** Fresh servers' databases and an emptied warehouse for every test of the file. */
export function useMoveFixture(): MoveFixture {
    const mysqlServer = inject("mysqlUrl");
    const pgServer = inject("pgUrl");
    // No Google credentials here: keep the auth library from probing for a metadata server.
    process.env.METADATA_SERVER_DETECTION = "none";
    const sink = { isTTY: false, write: (s: string) => (f.lines.push(s), true) };
    const f: MoveFixture = {
        warehouse: new LocalWarehouse(),
        source: "",
        target: "",
        stateFile: "",
        lines: [],
        options: (o = {}) => ({
            source: f.source, postgres: f.target, bigqueryProject: PROJECT, bigqueryDataset: DATASET, dryRun: false, datetimeOffset: "+00:00", state: f.stateFile, force: false, out: sink, ...o,
        }),
        rows: (table) => f.warehouse.rows(`${PROJECT}.${DATASET}.${table}`),
        uploads: () => f.warehouse.requests.filter((r) => r.path.startsWith("/upload/")).length,
        pg: (sql, params) => pgQuery(f.target, sql, params),
        mysql: (sql, params) => mysqlExec(f.source, sql, params),
    };
    // One warehouse per file (ZetaSQL starts once), emptied before each test.
    beforeAll(async () => {
        process.env.BIGQUERY_EMULATOR_HOST = await f.warehouse.start();
    });
    afterAll(async () => {
        await f.warehouse.stop();
        delete process.env.BIGQUERY_EMULATOR_HOST;
    });
    beforeEach(async () => {
        f.warehouse.reset();
        f.warehouse.loseRowsOnLoad = 0;
        f.warehouse.latencyMs = 0;
        await seedAnalyticsTables(f.warehouse, PROJECT, DATASET);
        [f.source, f.target] = await Promise.all([freshSource(mysqlServer), freshAuthDatabase(pgServer)]);
        f.stateFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "synter-state-")), "state.json");
        f.lines = [];
    });
    return f;
}

export const statuses = (r: readonly TableReport[]) => Object.fromEntries(r.map((x) => [x.table, x.status]));
