// npm run plan -- --stack <name> [--phase <phase>] [--format markdown|json]
// Evaluates the Pulumi program offline (Pulumi's runtime with mocks, no CLI, no credentials)
// and prints what it would declare.
import { MIGRATION_PHASES } from "../config";
import { planDocument, renderMarkdown } from "./render";
import { PROJECT_ROOT, runProgram } from "./runtime";


interface Args {
    stack: string;
    phase?: string;
    format: "markdown" | "json";
}

function parseArgs(argv: string[]): Args {
    const args: Args = { stack: "dev", format: "markdown" };
    for (let i = 0; i < argv.length; i++) {
        const flag = argv[i];
        const value = argv[i + 1];
        const need = () => {
            if (value === undefined || value.startsWith("--")) throw new Error(`${flag} needs a value`);
            i++;
            return value;
        };
        if (flag === "--stack") args.stack = need();
        else if (flag === "--phase") {
            args.phase = need();
            if (!(MIGRATION_PHASES as readonly string[]).includes(args.phase)) throw new Error(`--phase ${args.phase}: must be one of ${MIGRATION_PHASES.join(", ")}`);
        } else if (flag === "--format") {
            const f = need();
            if (f !== "markdown" && f !== "json") throw new Error(`--format ${f}: must be markdown or json`);
            args.format = f;
        } else if (flag === "--help" || flag === "-h") {
            process.stdout.write("usage: npm run plan -- [--stack dev|prod] [--phase parallel|validate|cutover|complete|rollback] [--format markdown|json]\n");
            process.exit(0);
        } else throw new Error(`unknown argument ${flag} (see --help)`);
    }
    return args;
}

async function main(): Promise<void> {
    const args = parseArgs(process.argv.slice(2));
    const overrides: Record<string, string> = args.phase ? { migrationPhase: args.phase } : {};
    const run = await runProgram(args.stack, () => require(`${PROJECT_ROOT}/index`), overrides);
    const phase = String(run.outputs.migrationPhase);
    const { migrationSteps = [], ...outputs } = run.outputs;
    const doc = planDocument({ ...run, outputs }, phase, migrationSteps as unknown[]);
    process.stdout.write(args.format === "json" ? JSON.stringify(doc, null, 2) + "\n" : renderMarkdown(doc));
}

main().catch((err: Error) => {
    process.stderr.write(`plan failed: ${err.message}\n`);
    process.exit(1);
});
