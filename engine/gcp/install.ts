// Puts the stand-in where the engine looks for plugins: an executable `pulumi-resource-gcp` in a
// directory on PATH. The script is written on the machine that runs it, with the absolute paths
// of this checkout, and runs the TypeScript entry through the checkout's own tsx.
import * as fs from "fs";
import * as path from "path";

const REPO_ROOT = path.resolve(__dirname, "..", "..");

/** POSIX shell single-quoting. */
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Writes `binDir/pulumi-resource-gcp` (mode 755) and returns its path. */
export function installGcpStandIn(binDir: string): string {
    const tsx = path.join(REPO_ROOT, "node_modules", ".bin", "tsx");
    const entry = path.join(__dirname, "main.ts");
    if (!fs.existsSync(tsx)) throw new Error(`${tsx} is missing: run npm ci in ${REPO_ROOT}`);
    if (!fs.existsSync(entry)) throw new Error(`${entry} is missing`);
    fs.mkdirSync(binDir, { recursive: true });
    const script = [
        "#!/bin/sh",
        "# pulumi-resource-gcp: the local stand-in for pulumi-gcp (engine/gcp). Generated; do not edit.",
        // tsx starts with `env node`: the node that installed the script comes first on PATH.
        `PATH=${q(path.dirname(process.execPath))}:"$PATH"`,
        "export PATH",
        `exec ${q(tsx)} ${q(entry)} "$@"`,
        "",
    ].join("\n");
    const file = path.join(binDir, "pulumi-resource-gcp");
    fs.writeFileSync(file, script, { mode: 0o755 });
    fs.chmodSync(file, 0o755);
    return file;
}
