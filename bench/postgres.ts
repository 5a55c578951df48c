// 4. Postgres migrations: the stack's runner (lock, history, checksums, a transaction each)
// against plain `psql -f` of the same files, each on a fresh database of a real PostgreSQL.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { applyMigrationsAt, readMigrations } from "../components/postgres";
import { freshDatabase, postgresBinDir } from "../servers/postgres";
import { Figure, figure, medianMs } from "./figures";

export async function postgresFigures(server: string): Promise<Figure[]> {
    const files = readMigrations();
    const bin = postgresBinDir();
    const psql = bin && fs.existsSync(path.join(bin, "psql")) ? path.join(bin, "psql") : "psql";
    const runner = await medianMs(async () => applyMigrationsAt(await freshDatabase(server, "bench"), files), 5);
    const plain = await medianMs(async () => {
        const url = await freshDatabase(server, "bench");
        execFileSync(psql, ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, ...files.flatMap((f) => ["-f", f.file])], { stdio: "pipe" });
    }, 5);
    return [figure("postgres.apply_all_migrations", runner, "ms", plain, `psql -v ON_ERROR_STOP=1 -f of the same ${files.length} files`)];
}
