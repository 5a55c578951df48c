// npm run lint:sql: analyzes every BigQuery statement of the stack with ZetaSQL; prints
// `file:line:col: message` per problem and exits non-zero on any.
import { SqlChecker, stackStatements } from "../zetasql";

async function main(): Promise<number> {
    const statements = stackStatements();
    const checker = await SqlChecker.start();
    try {
        const problems = await checker.check(statements);
        for (const p of problems) process.stderr.write(`${p.file}:${p.line}:${p.column}: ${p.message}\n`);
        process.stdout.write(`lint:sql: ${statements.length} statements analyzed, ${problems.length} problem(s)\n`);
        return problems.length === 0 ? 0 : 1;
    } finally {
        checker.stop();
    }
}

main().then(
    (code) => process.exit(code),
    (err: Error) => {
        process.stderr.write(`lint:sql failed: ${err.message}\n`);
        process.exit(2);
    },
);
