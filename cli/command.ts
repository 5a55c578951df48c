// One way to write a command: flags parsed by node:util's parseArgs with the same conventions
// everywhere (`--stack`, `--format`, `--help`), and one error type that carries its exit code.
import { parseArgs, ParseArgsConfig } from "node:util";

/** An error that ends the command with this exit code and message (no stack trace). */
export class ExitError extends Error {
    constructor(
        message: string,
        readonly code: number = 2,
    ) {
        super(message);
        this.name = "ExitError";
    }
}

type Options = NonNullable<ParseArgsConfig["options"]>;

export interface CommandSpec<O extends Options> {
    /** `npm run <name>`. */
    readonly name: string;
    /** Usage line after the command name, e.g. `-- --stack <dev|prod> [--format json]`. */
    readonly usage: string;
    /** What the command does, one paragraph. */
    readonly summary: string;
    readonly options: O;
    /** One line per flag for --help. */
    readonly help: Readonly<Record<keyof O & string, string>>;
    /** Whether bare arguments are accepted. */
    readonly positionals?: boolean;
}

/** Parses argv; an unknown flag or a missing value is an ExitError(2) naming it. */
export function parse<O extends Options>(spec: CommandSpec<O>, argv: readonly string[]) {
    if (argv.includes("--help") || argv.includes("-h")) {
        const width = Math.max("help".length, ...Object.keys(spec.help).map((k) => k.length)) + 4;
        const lines = [`npm run ${spec.name}${spec.usage ? ` ${spec.usage}` : ""}`, "", spec.summary, "", ...Object.entries(spec.help).map(([k, h]) => `  --${k.padEnd(width)}${h}`), `  --${"help".padEnd(width)}this text`];
        process.stdout.write(lines.join("\n") + "\n");
        process.exit(0);
    }
    try {
        return parseArgs({ args: [...argv], options: spec.options, allowPositionals: spec.positionals ?? false, strict: true });
    } catch (err: any) {
        throw new ExitError(`${spec.name}: ${parseProblem(err)} (see npm run ${spec.name} -- --help)`);
    }
}

/**
 * node:util's refusal in the commands' own words, the same in every command: its messages for an
 * unknown flag and a flag without its value are written for positionals after `--`, which no
 * command here takes.
 */
function parseProblem(err: any): string {
    const flag = /'(-[^' ]+)/.exec(String(err?.message ?? ""))?.[1];
    if (err?.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && flag) return `unknown argument ${flag}`;
    if (err?.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && flag && /argument missing/.test(err.message)) return `${flag} needs a value`;
    return err?.message ?? String(err);
}

/**
 * `--stack`, the same flag in every command that reads a stack file. It is required, never
 * defaulted: the stacks differ in what they allow (prod's protection, its key), so a command
 * that silently took dev would answer for the wrong stack.
 */
export const STACK_OPTION = { type: "string" } as const;

/** The `--stack` value, or an ExitError(2) saying it is required. */
export function requireStack(command: string, value: string | undefined): string {
    if (!value) throw new ExitError(`${command}: --stack is required (e.g. --stack dev)`);
    return value;
}

/** A flag value that must be one of `allowed`. */
export function oneOf<T extends string>(command: string, flag: string, value: string | undefined, allowed: readonly T[], fallback?: T): T {
    const v = value ?? fallback;
    if (v === undefined) throw new ExitError(`${command}: --${flag} is required: one of ${allowed.join(", ")}`);
    if (!(allowed as readonly string[]).includes(v)) throw new ExitError(`${command}: --${flag} ${v} is not one of ${allowed.join(", ")}`);
    return v as T;
}

/** Runs a command's body: exit 0 on success, the ExitError's code with its message, 1 with the stack otherwise. */
export function run(body: () => Promise<number | void>): void {
    body().then(
        (code) => process.exit(code ?? 0),
        (err) => {
            if (err instanceof ExitError) {
                process.stderr.write(`${err.message}\n`);
                process.exit(err.code);
            }
            process.stderr.write(`${err?.stack ?? err}\n`);
            process.exit(1);
        },
    );
}
