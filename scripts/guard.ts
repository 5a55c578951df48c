// npm run guard -- [file.json]: fails when a preview (or offline plan) would lose data.
// Reads standard input when no file is given, so `pulumi preview --json | npm run -s guard` works.
import * as fs from "fs";
import { guard } from "../plan/guard";

function main(argv: string[]): number {
    const file = argv.find((a) => !a.startsWith("-"));
    const where = file ?? "standard input";
    let text: string;
    try {
        text = fs.readFileSync(file ?? 0, "utf8");
    } catch (err: any) {
        process.stderr.write(`guard: cannot read ${where}: ${err.message}\n`);
        return 2;
    }
    let doc: unknown;
    try {
        doc = JSON.parse(text);
    } catch (err: any) {
        process.stderr.write(`guard: ${where} is not JSON: ${err.message}\n`);
        return 2;
    }
    let report;
    try {
        report = guard(doc);
    } catch (err: any) {
        process.stderr.write(`guard: ${where}: ${err.message}\n`);
        return 2;
    }
    for (const a of report.allowed) process.stdout.write(`allowed: ${a}\n`);
    for (const l of report.losses) process.stderr.write(`DATA LOSS: ${l}\n`);
    process.stdout.write(`guard: ${report.checked} ${report.source === "preview" ? "steps" : "resources"} checked in ${where}, ${report.losses.length} would lose data\n`);
    return report.losses.length ? 1 : 0;
}

process.exit(main(process.argv.slice(2)));
