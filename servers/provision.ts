// What the integration and engine tests need on the machine, installed when it is missing:
// PostgreSQL 15 and MariaDB server binaries from Debian's packages (the tests start throwaway
// servers from them; their own services are never started).
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import { postgresBinDir } from "./postgres";

/** Debian packages the tests need that are not installed (none when PGURL / MYSQLURL name servers). */
export function missingServerPackages(env: NodeJS.ProcessEnv = process.env): string[] {
    const missing: string[] = [];
    const pgBin = postgresBinDir();
    if (!env.PGURL && !(pgBin && fs.existsSync(`${pgBin}/initdb`))) missing.push("postgresql-15");
    const maria = ["/usr/sbin/mariadbd", "/usr/sbin/mysqld", "/usr/bin/mariadbd"].some((p) => fs.existsSync(p));
    if (!env.MYSQLURL && !maria) missing.push("mariadb-server");
    if (spawnSync("sh", ["-c", "command -v openssl"]).status !== 0) missing.push("openssl");
    return missing;
}

/** Installs `packages` with apt-get as root; otherwise explains in one line what to install. */
export function installServerPackages(packages: readonly string[], log: (line: string) => void): void {
    if (packages.length === 0) return;
    if (process.getuid?.() !== 0) {
        throw new Error(`the tests need ${packages.join(" and ")}: install them (sudo apt-get install -y ${packages.join(" ")}) or set PGURL / MYSQLURL to servers of your own`);
    }
    log(`installing ${packages.join(", ")} from Debian's packages`);
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    execFileSync("apt-get", ["update", "-qq"], { stdio: ["ignore", "ignore", "inherit"], env });
    execFileSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...packages], { stdio: ["ignore", "ignore", "inherit"], env });
}
