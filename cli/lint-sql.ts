// npm run lint:sql: every BigQuery statement of the stack analyzed by ZetaSQL.
import { SqlChecker, stackStatements, Statement } from "../zetasql";
import { ExitError, parse, run } from "./command";

const spec = {
    name: "lint:sql",
    usage: "",
    summary:
        "Analyzes every view (with and without the _v2 suffix), parity query and generated migration statement with ZetaSQL against the table catalogue; prints `file:line:col: message` per problem. Exit 1 on any problem, 2 when the analyzer cannot run.",
    options: {},
    help: {},
} as const;

run(async () => {
    parse(spec, process.argv.slice(2));
    let statements: Statement[];
    let checker: SqlChecker;
    try {
        statements = stackStatements();
        checker = await SqlChecker.start();
    } catch (err: any) {
        throw new ExitError(`lint:sql failed: ${err?.message ?? err}`);
    }
    try {
        const problems = await checker.check(statements);
        for (const p of problems) process.stderr.write(`${p.file}:${p.line}:${p.column}: ${p.message}\n`);
        process.stdout.write(`lint:sql: ${statements.length} statements analyzed, ${problems.length} problem(s)\n`);
        return problems.length === 0 ? 0 : 1;
    } catch (err: any) {
        throw new ExitError(`lint:sql failed: ${err?.message ?? err}`);
    } finally {
        checker.stop();
    }
});
