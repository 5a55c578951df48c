// Every figure group of the benchmark, run in order, with the real servers the groups need
// (PGURL / MYSQLURL, or throwaway ones). The bench records; it never fails on a number.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { startMariaDb } from "../servers/mariadb";
import { startPostgres } from "../servers/postgres";
import { cutoverFigures } from "./cutover";
import { dataMoveFigures } from "./datamove";
import { engineFigures } from "./engine";
import { Figure, table } from "./figures";
import { planFigures } from "./plan";
import { postgresFigures } from "./postgres";
import { sqlFigures } from "./sql";

/** The figure groups, in the order they run. */
export const BENCH_GROUPS = ["plan", "sql", "cutover", "postgres", "datamove", "engine"] as const;
export type BenchGroup = (typeof BENCH_GROUPS)[number];

/**
 * Runs the groups (all when `only` is empty), writes one JSON line per figure as it comes, then
 * the table for humans, and keeps the run in `.bench/latest.json`.
 */
export async function runBench(only: readonly BenchGroup[], write: (text: string) => void): Promise<Figure[]> {
    const want = (name: BenchGroup) => only.length === 0 || only.includes(name);
    const figures: Figure[] = [];
    const emit = (fs: Figure[]) => {
        for (const f of fs) {
            figures.push(f);
            const { against: _against, ...line } = f;
            write(JSON.stringify(line) + "\n");
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
    if (want("engine")) emit(await engineFigures());
    const machine = `${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
    write(`\n${table(figures)}\n\nmachine: ${machine}\n`);
    fs.mkdirSync(".bench", { recursive: true });
    fs.writeFileSync(path.join(".bench", "latest.json"), JSON.stringify({ at: new Date().toISOString(), machine, figures }, null, 2) + "\n");
    return figures;
}
