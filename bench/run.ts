// npm run bench: every figure with its baseline and ratio, as JSON lines, then a table for
// humans. Real servers come from test/support (PGURL / MYSQLURL, or throwaway ones). The bench
// records; it never fails on a number.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { startMariaDb } from "../test/support/mariadb";
import { startPostgres } from "../servers/postgres";
import { cutoverFigures } from "./cutover";
import { dataMoveFigures } from "./datamove";
import { Figure, table } from "./figures";
import { planFigures } from "./plan";
import { postgresFigures } from "./postgres";
import { sqlFigures } from "./sql";

async function main(): Promise<void> {
    const only = process.argv.slice(2).filter((a) => !a.startsWith("-"));
    const want = (name: string) => only.length === 0 || only.includes(name);
    const figures: Figure[] = [];
    const emit = (fs: Figure[]) => {
        for (const f of fs) {
            figures.push(f);
            const { against: _against, ...line } = f;
            process.stdout.write(JSON.stringify(line) + "\n");
        }
    };
    if (want("plan")) emit(await planFigures());
    if (want("sql")) emit(await sqlFigures());
    if (want("cutover")) emit(await cutoverFigures());
    if (want("postgres") || want("datamove")) {
        const [pg, maria] = await Promise.all([startPostgres(), want("datamove") ? startMariaDb() : Promise.resolve(undefined)]);
        try {
            if (want("postgres")) emit(await postgresFigures(pg.url));
            if (want("datamove") && maria) emit(await dataMoveFigures(maria.url));
        } finally {
            pg.stop();
            await maria?.stop();
        }
    }
    const machine = `${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
    process.stdout.write(`\n${table(figures)}\n\nmachine: ${machine}\n`);
    fs.mkdirSync(".bench", { recursive: true });
    fs.writeFileSync(path.join(".bench", "latest.json"), JSON.stringify({ at: new Date().toISOString(), machine, figures }, null, 2) + "\n");
}

main().then(
    () => process.exit(0),
    (err) => {
        process.stderr.write(`bench failed: ${err?.stack ?? err}\n`);
        process.exit(1);
    },
);
