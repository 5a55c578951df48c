// npm run app-env: the application's environment from a stack's outputs, as a dotenv or JSON
// file for local development, written readable by its owner only.
import * as path from "path";
import { AppEnvError, applicationEnvironment, encodeDotenv, encodeJson, FORMATS, readStackOutputs, writePrivateFile } from "../engine/appEnv";
import { ExitError, oneOf, parse, requireStack, run, STACK_OPTION } from "./command";

const spec = {
    name: "app-env",
    usage: "-- --stack <stack> [--format dotenv|json] [--output .env] [--show-secrets] [--cwd <project dir>]",
    summary:
        "Reads POSTGRES_URL, BIGQUERY_PROJECT_ID, BIGQUERY_DATASET, GOOGLE_APPLICATION_CREDENTIALS (when the stack creates a key) and REDIS_URL with `pulumi stack output --json --show-secrets` and writes them for the application. The Pulumi CLI runs with this environment (PULUMI_BACKEND_URL, PULUMI_ACCESS_TOKEN, PULUMI_CONFIG_PASSPHRASE). Secrets are printed to a terminal only with --show-secrets.",
    options: {
        stack: STACK_OPTION,
        format: { type: "string" },
        output: { type: "string" },
        "show-secrets": { type: "boolean" },
        cwd: { type: "string" },
    },
    help: {
        stack: "the Pulumi stack to read (required)",
        format: "dotenv (default) or json",
        output: "write to this file, mode 0600, replacing it; relative to where npm was run",
        "show-secrets": "print to standard output even when it is a terminal",
        cwd: "the Pulumi project directory (default: this repository)",
    },
} as const;

run(async () => {
    const { values } = parse(spec, process.argv.slice(2));
    const stack = requireStack("app-env", values.stack);
    const format = oneOf("app-env", "format", values.format, FORMATS, "dotenv");
    // npm runs scripts from the package root; paths are the user's, from where they ran npm.
    const here = process.env.INIT_CWD ?? process.cwd();
    if (!values.output && !values["show-secrets"] && process.stdout.isTTY) {
        throw new ExitError("app-env: refusing to print the application's secrets to a terminal; write them to a file with --output .env, or pass --show-secrets");
    }
    const cwd = values.cwd ? path.resolve(here, values.cwd) : path.resolve(__dirname, "..");
    try {
        const env = applicationEnvironment(stack, readStackOutputs({ stack, cwd }));
        const text = format === "json" ? encodeJson(env.variables) : encodeDotenv(stack, env.variables);
        for (const o of env.omitted) process.stderr.write(`app-env: ${o.name} left out: ${o.why}\n`);
        if (!values.output) {
            process.stdout.write(text);
            return;
        }
        const file = path.resolve(here, values.output);
        try {
            writePrivateFile(file, text);
        } catch (err: any) {
            throw new ExitError(`app-env: cannot write ${file}: ${err?.code ?? err?.message ?? err}`, 1);
        }
        process.stderr.write(`app-env: wrote ${Object.keys(env.variables).join(", ")} of stack ${stack} to ${file} (mode 0600)\n`);
    } catch (err) {
        if (err instanceof AppEnvError) throw new ExitError(`app-env: ${err.message}`, 1);
        throw err;
    }
});
