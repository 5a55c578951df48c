// npm test's first step: installs what the tests need and builds the engine toolchain, so a
// fresh machine needs nothing but `npm ci && npm test`.
import { ensureToolchain } from "../engine/toolchain";
import { installServerPackages, missingServerPackages } from "../servers/provision";
import { ExitError, parse, run } from "./command";

const spec = {
    name: "provision",
    usage: "[-- --no-engine]",
    summary:
        "Installs the Debian server packages the tests start servers from (as root; otherwise says what to install) and builds the Pulumi engine toolchain into its cache.",
    options: { "no-engine": { type: "boolean" } },
    help: { "no-engine": "skip the engine toolchain" },
} as const;

run(async () => {
    const { values } = parse(spec, process.argv.slice(2));
    const log = (line: string) => process.stderr.write(`[provision] ${line}\n`);
    try {
        installServerPackages(missingServerPackages(), log);
    } catch (err: any) {
        throw new ExitError(`provision: ${err?.message ?? err}`, 1);
    }
    if (!values["no-engine"]) {
        const started = Date.now();
        const tc = await ensureToolchain({ log });
        log(`engine toolchain ready in ${((Date.now() - started) / 1000).toFixed(1)} s: ${tc.binDir}`);
    }
});
