// npm run migrate-data: the data move from SingleStore/MySQL into PostgreSQL and BigQuery, each
// table verified. Exit 0: every table verified (or skipped as verified before); 1: a table failed,
// did not match or was not started; 2: bad input, nothing written.
import * as fs from "fs";
import { ALL_TABLES, MoveInputError, moveData } from "../datamove/move";
import { reportExitCode, reportTable } from "../datamove/report";
import { ExitError, parse, run } from "./command";

const spec = {
    name: "migrate-data",
    usage: "-- --source <mysql-url> [--postgres <postgres-url>] [--bigquery-project <id>] [--tables <t,…>] [--dry-run] [--force]",
    summary:
        "Moves the auth tables into PostgreSQL and the analytics tables into BigQuery, each read in primary-key order, written once and verified by fingerprints of both sides' own values; prints a table of the run. URLs may also come from MIGRATE_SOURCE_URL and MIGRATE_POSTGRES_URL (keeps passwords out of shell history). Exit 0: every table verified; 1: a table failed, did not match or was not started; 2: bad input, nothing written.",
    options: {
        source: { type: "string" },
        postgres: { type: "string" },
        "bigquery-project": { type: "string" },
        "bigquery-dataset": { type: "string" },
        "bigquery-location": { type: "string" },
        tables: { type: "string" },
        "dry-run": { type: "boolean" },
        "datetime-offset": { type: "string" },
        "zero-dates": { type: "string" },
        parallel: { type: "string" },
        state: { type: "string" },
        force: { type: "boolean" },
        "report-json": { type: "string" },
    },
    help: {
        source: "the source database, mysql://user:pw@host:3306/synter (default: MIGRATE_SOURCE_URL)",
        postgres: "the auth database, postgresql://… (default: MIGRATE_POSTGRES_URL); needed for the auth tables",
        "bigquery-project": "the BigQuery project; needed for the analytics tables",
        "bigquery-dataset": "the analytics dataset (default: synter_analytics)",
        "bigquery-location": "the dataset's location (default: the client's)",
        tables: `comma-separated subset of ${ALL_TABLES.join(",")} (default: all)`,
        "dry-run": "preflight only: tables, columns, row counts; nothing written",
        "datetime-offset": "offset MySQL DATETIME values are read at, ±HH:MM (default: +00:00)",
        "zero-dates": "error (default) or null: what a MySQL zero date becomes",
        parallel: "tables moved at once, foreign keys permitting (default: 4)",
        state: "the resume file (default: migrate-data.state.json)",
        force: "move tables again even when the state file says they were verified",
        "report-json": "also write the report as JSON to this file",
    },
} as const;

run(async () => {
    const { values } = parse(spec, process.argv.slice(2));
    const zeroDates = values["zero-dates"] ?? "error";
    if (zeroDates !== "error" && zeroDates !== "null") throw new ExitError(`migrate-data: --zero-dates ${zeroDates}: expected error or null`);
    const parallel = Number(values.parallel ?? 4);
    if (!Number.isInteger(parallel) || parallel < 1) throw new ExitError(`migrate-data: --parallel ${values.parallel}: expected a whole number from 1`);
    const source = values.source ?? process.env.MIGRATE_SOURCE_URL;
    if (!source) throw new ExitError("migrate-data: --source is required, or MIGRATE_SOURCE_URL (see npm run migrate-data -- --help)");
    let reports;
    try {
        reports = await moveData({
            source,
            postgres: values.postgres ?? process.env.MIGRATE_POSTGRES_URL,
            bigqueryProject: values["bigquery-project"],
            bigqueryDataset: values["bigquery-dataset"] ?? "synter_analytics",
            bigqueryLocation: values["bigquery-location"],
            tables: (values.tables ?? "").split(",").map((t) => t.trim()).filter(Boolean),
            dryRun: values["dry-run"] === true,
            datetimeOffset: values["datetime-offset"] ?? "+00:00",
            zeroDates,
            parallel,
            state: values.state ?? "migrate-data.state.json",
            force: values.force === true,
            out: process.stderr,
        });
    } catch (err: any) {
        throw new ExitError(`migrate-data: ${err?.message ?? err}`, err instanceof MoveInputError ? 2 : 1);
    }
    process.stdout.write(reportTable(reports) + "\n");
    if (values["report-json"]) fs.writeFileSync(values["report-json"], JSON.stringify(reports, null, 2) + "\n");
    for (const r of reports) if (r.error) process.stderr.write(`migrate-data: ${r.error}\n`);
    return reportExitCode(reports);
});
