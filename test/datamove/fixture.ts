// Per-test set-up for the data-move suites: fresh source and target databases on the shared
// servers and a fresh BigQuery double, with the move's options pointing at them.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterEach, beforeEach, inject } from "vitest";
import type { MoveOptions, TableReport } from "../../datamove/move";
import { BigQueryFake } from "../support/bigqueryFake";
import { freshAuthDatabase, freshSource, mysqlExec, pgQuery, seedAnalyticsTables } from "../support/datamove";

export const PROJECT = "synter-dev";
export const DATASET = "synter_analytics";

export interface MoveFixture {
    fake: BigQueryFake;
    /** Source database URL. */
    source: string;
    /** Target PostgreSQL database URL. */
    target: string;
    stateFile: string;
    /** Progress output. */
    lines: string[];
    options(o?: Partial<MoveOptions>): MoveOptions;
    /** The lines a BigQuery table was loaded with, exactly as the load file held them. */
    loadedLines(table: string): string[];
    uploads(): number;
    pg(sql: string, params?: unknown[]): Promise<any[]>;
    mysql(sql: string, params?: unknown[]): Promise<any>;
}

/** Fresh servers' databases and a fresh BigQuery double for every test of the file. */
export function useMoveFixture(): MoveFixture {
    const mysqlServer = inject("mysqlUrl");
    const pgServer = inject("pgUrl");
    // No Google credentials here: keep the auth library from probing for a metadata server.
    process.env.METADATA_SERVER_DETECTION = "none";
    const sink = { isTTY: false, write: (s: string) => (f.lines.push(s), true) };
    const f: MoveFixture = {
        fake: undefined as unknown as BigQueryFake,
        source: "",
        target: "",
        stateFile: "",
        lines: [],
        options: (o = {}) => ({
            source: f.source, postgres: f.target, bigqueryProject: PROJECT, bigqueryDataset: DATASET, dryRun: false, datetimeOffset: "+00:00", state: f.stateFile, force: false, out: sink, ...o,
        }),
        loadedLines: (table) => f.fake.tables.get(`${PROJECT}.${DATASET}.${table}`)!.data ?? [],
        uploads: () => f.fake.requests.filter((r) => r.path.startsWith("/upload/")).length,
        pg: (sql, params) => pgQuery(f.target, sql, params),
        mysql: (sql, params) => mysqlExec(f.source, sql, params),
    };
    beforeEach(async () => {
        f.fake = new BigQueryFake();
        process.env.BIGQUERY_EMULATOR_HOST = await f.fake.start();
        seedAnalyticsTables(f.fake, PROJECT, DATASET);
        [f.source, f.target] = await Promise.all([freshSource(mysqlServer), freshAuthDatabase(pgServer)]);
        f.stateFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "synter-state-")), "state.json");
        f.lines = [];
    });
    afterEach(async () => {
        await f.fake.stop();
        delete process.env.BIGQUERY_EMULATOR_HOST;
    });
    return f;
}

export const statuses = (r: readonly TableReport[]) => Object.fromEntries(r.map((x) => [x.table, x.status]));
