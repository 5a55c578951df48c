// npm run migrate-data -- --source mysql://user:pw@host:3306/synter --postgres postgresql://... \
//   --bigquery-project synter-prod [--bigquery-dataset synter_analytics] [--tables users,events]
//   [--dry-run] [--datetime-offset +00:00] [--zero-dates error|null] [--parallel 4]
//   [--state migrate-data.state.json] [--force] [--report-json FILE]
// Exit 0: every table verified (or skipped as verified before); 1: a table failed or its
// checksum did not match; 2: bad input, nothing written.
import * as fs from "fs";
import { ALL_TABLES, MoveInputError, moveData, TableReport } from "../datamove/move";

const HELP = `usage: npm run migrate-data -- --source <mysql-url> [--postgres <postgres-url>] [--bigquery-project <id>]
  [--bigquery-dataset synter_analytics] [--bigquery-location US] [--tables ${ALL_TABLES.join(",")}]
  [--dry-run] [--datetime-offset +00:00] [--zero-dates error|null] [--parallel 4]
  [--state migrate-data.state.json] [--force] [--report-json <file>]
URLs may also come from MIGRATE_SOURCE_URL and MIGRATE_POSTGRES_URL (keeps passwords out of shell history).`;

const FLAGS = new Set(["--dry-run", "--force", "--help"]);
const VALUES = new Set(["--source", "--postgres", "--bigquery-project", "--bigquery-dataset", "--bigquery-location", "--tables", "--datetime-offset", "--zero-dates", "--parallel", "--state", "--report-json"]);

export function parseArgs(argv: string[]): Record<string, string | boolean> {
    const out: Record<string, string | boolean> = {};
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (FLAGS.has(a)) out[a.slice(2)] = true;
        else if (VALUES.has(a)) {
            const v = argv[++i];
            if (v === undefined || v.startsWith("--")) throw new MoveInputError(`${a} needs a value`);
            out[a.slice(2)] = v;
        } else throw new MoveInputError(`unknown argument ${a}\n${HELP}`);
    }
    return out;
}

function table(reports: readonly TableReport[]): string {
    const head = ["table", "status", "source rows", "target rows", "checksum", "seconds", "of which verify", "rows/s"];
    const rows = reports.map((r) => [
        r.table, r.status, String(r.sourceRows), r.targetRows === undefined ? "" : String(r.targetRows),
        r.sourceChecksum ? (r.sourceChecksum === r.targetChecksum ? `${r.sourceChecksum} =` : `${r.sourceChecksum} ≠ ${r.targetChecksum}`) : "",
        r.seconds === undefined ? "" : r.seconds.toFixed(1), r.verifySeconds === undefined ? "" : r.verifySeconds.toFixed(1),
        r.seconds ? String(Math.round(r.sourceRows / r.seconds)) : "",
    ]);
    const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    return [head, ...rows].map((r) => r.map((c, i) => c.padEnd(width[i])).join("  ").trimEnd()).join("\n");
}

async function main(argv: string[]): Promise<number> {
    let args: Record<string, string | boolean>;
    try {
        args = parseArgs(argv);
    } catch (err: any) {
        process.stderr.write(`migrate-data: ${err.message}\n`);
        return 2;
    }
    if (args.help) {
        process.stdout.write(HELP + "\n");
        return 0;
    }
    const zeroDates = (args["zero-dates"] as string | undefined) ?? "error";
    const parallel = Number(args.parallel ?? 4);
    if (zeroDates !== "error" && zeroDates !== "null") {
        process.stderr.write(`migrate-data: --zero-dates ${zeroDates}: expected error or null\n`);
        return 2;
    }
    if (!Number.isInteger(parallel) || parallel < 1) {
        process.stderr.write(`migrate-data: --parallel ${args.parallel}: expected a whole number from 1\n`);
        return 2;
    }
    const source = (args.source as string) ?? process.env.MIGRATE_SOURCE_URL;
    if (!source) {
        process.stderr.write(`migrate-data: --source is required\n${HELP}\n`);
        return 2;
    }
    try {
        const reports = await moveData({
            source,
            postgres: (args.postgres as string) ?? process.env.MIGRATE_POSTGRES_URL,
            bigqueryProject: args["bigquery-project"] as string | undefined,
            bigqueryDataset: (args["bigquery-dataset"] as string) ?? "synter_analytics",
            bigqueryLocation: args["bigquery-location"] as string | undefined,
            tables: typeof args.tables === "string" ? args.tables.split(",").map((t) => t.trim()).filter(Boolean) : [],
            dryRun: args["dry-run"] === true,
            datetimeOffset: (args["datetime-offset"] as string) ?? "+00:00",
            zeroDates,
            parallel,
            state: (args.state as string) ?? "migrate-data.state.json",
            force: args.force === true,
            out: process.stderr,
        });
        process.stdout.write(table(reports) + "\n");
        if (typeof args["report-json"] === "string") fs.writeFileSync(args["report-json"], JSON.stringify(reports, null, 2) + "\n");
        for (const r of reports) if (r.error) process.stderr.write(`migrate-data: ${r.error}\n`);
        return reports.some((r) => r.status === "mismatch" || r.status === "failed" || r.status === "stopped") ? 1 : 0;
    } catch (err: any) {
        process.stderr.write(`migrate-data: ${err.message}\n`);
        return err instanceof MoveInputError ? 2 : 1;
    }
}

if (require.main === module) main(process.argv.slice(2)).then((code) => process.exit(code));
