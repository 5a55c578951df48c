// `npm run engine:setup`: builds (or finds) the Pulumi engine toolchain and says what it has.
import { ensureToolchain, engineCacheRoot } from "../engine/toolchain";
import { ExitError, parse, run } from "./command";

const spec = {
    name: "engine:setup",
    usage: "[-- --rebuild] [--strict]",
    summary: `Builds the Pulumi CLI, the Node.js language host and the random and postgresql providers from Go modules, at the versions in package-lock.json, into ${engineCacheRoot()}/<key>/bin. A second run finds them built and returns in seconds.`,
    options: { rebuild: { type: "boolean" }, strict: { type: "boolean" } },
    help: {
        rebuild: "build everything again under the same key and retry modules the proxy did not serve",
        strict: "exit 1 if any component could not be built (by default only the CLI is required)",
    },
} as const;

run(async () => {
    const { values } = parse(spec, process.argv.slice(2));
    const started = Date.now();
    const log = (line: string) => process.stderr.write(`[engine:setup] ${line}\n`);
    let tc;
    try {
        tc = await ensureToolchain({ log, rebuild: values.rebuild });
    } catch (err: any) {
        throw new ExitError(`engine:setup: ${err?.message ?? err}`, 1);
    }
    const out: string[] = [
        `bin dir: ${tc.binDir}`,
        `PULUMI_HOME: ${tc.pulumiHome}`,
        `versions (package-lock): @pulumi/pulumi ${tc.versions.pulumi}, @pulumi/random ${tc.versions.random}, @pulumi/postgresql ${tc.versions.postgresql}; built with ${tc.versions.go}`,
    ];
    for (const b of tc.built) out.push(`  ${b.name}: ${b.module}@${b.moduleVersion}${b.substitute ? `\n      SUBSTITUTE: ${b.substitute}` : ""}`);
    out.push(`  pulumi-resource-pulumi-nodejs: ${tc.dynamicProvider}`);
    for (const u of tc.unavailable) out.push(`  ${u.name}: NOT BUILT: ${u.reason}`);
    out.push(`total: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    process.stdout.write(out.join("\n") + "\n");
    if (values.strict && tc.unavailable.length > 0) throw new ExitError(`engine:setup: not built: ${tc.unavailable.map((u) => u.name).join(", ")}`, 1);
});
