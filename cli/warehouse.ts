// npm run warehouse -- [--port N] [--state <file>]: the local warehouse in its own process.
// Prints exactly one line on stdout once it serves, and serves until SIGTERM or SIGINT.
import { parseArgs } from "node:util";
import { LocalWarehouse } from "../warehouse/server";
import { ExitError, run } from "./command";

export const USAGE = `npm run warehouse -- [--port N] [--state <file>]

The local warehouse: an HTTP double of BigQuery's v2 REST API that holds rows, every query computed
by ZetaSQL's reference evaluator. Point clients at it with BIGQUERY_EMULATOR_HOST=<url>. Prints
"warehouse listening on <url>" when ready; serves until SIGTERM or SIGINT.

  --port N         port on 127.0.0.1 (default: a free one)
  --state <file>   keep the whole store in this JSON file: read at start, written after every change
  --help           this text
`;

export interface WarehouseArgs {
    readonly port: number;
    readonly state?: string;
    readonly help: boolean;
}

/** The command line as settings; a bad flag is an ExitError(2) naming it. */
export function parseWarehouseArgs(argv: readonly string[]): WarehouseArgs {
    let values: { port?: string; state?: string; help?: boolean };
    try {
        values = parseArgs({ args: [...argv], options: { port: { type: "string" }, state: { type: "string" }, help: { type: "boolean", short: "h" } }, strict: true, allowPositionals: false }).values;
    } catch (err) {
        throw new ExitError(`warehouse: ${(err as Error).message} (see npm run warehouse -- --help)`);
    }
    const port = values.port === undefined ? 0 : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ExitError(`warehouse: --port ${values.port} is not a port number`);
    return { port, ...(values.state ? { state: values.state } : {}), help: values.help === true };
}

async function main(argv: readonly string[]): Promise<void> {
    const args = parseWarehouseArgs(argv);
    if (args.help) {
        process.stdout.write(USAGE);
        return;
    }
    const warehouse = new LocalWarehouse({ stateFile: args.state });
    const url = await warehouse.start(args.port);
    // Serves until a signal: the command's promise never settles, so run() never exits it early.
    await new Promise<never>(() => {
        let stopping = false;
        const stop = (signal: string) => {
            if (stopping) return;
            stopping = true;
            warehouse.stop().then(
                () => process.exit(0),
                (err) => {
                    process.stderr.write(`warehouse: stopping on ${signal} failed: ${(err as Error).message}\n`);
                    process.exit(1);
                },
            );
        };
        process.on("SIGTERM", () => stop("SIGTERM"));
        process.on("SIGINT", () => stop("SIGINT"));
        process.stdout.write(`warehouse listening on ${url}\n`);
    });
}

// Imported by its test for parseWarehouseArgs; run only as the command.
if (require.main === module) run(() => main(process.argv.slice(2)));
