// The policy pack under the real engine: `pulumi preview --policy-pack`, as the workflows run it.
//
// The CLI starts a policy pack through the language host of the pack's runtime (its RunPlugin
// call). The Node.js language host this toolchain can build (see engine/toolchain.ts) predates
// RunPlugin and answers "could not read plugin: not supported". For a runtime that has no
// language host, the CLI keeps its older way of starting a pack
// (sdk/go/common/resource/plugin/analyzer_plugin.go, NewPolicyAnalyzer): it runs the analyzer
// plugin `pulumi-analyzer-policy-<runtime>` from PATH, in the pack's directory, with the engine's
// address and ".". That is how `pulumi-analyzer-policy` started Node.js packs before RunPlugin.
//
// So the engine is shown the pack under a runtime name of its own, and the plugin of that name is
// Pulumi's own policy-pack runner (`@pulumi/pulumi/cmd/run-policy-pack`), the program the Node.js
// language host starts for a pack. The pack's code is the repository's, unchanged; only the
// runtime line of PulumiPolicy.yaml differs in the view the engine is given.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { PROJECT_ROOT } from "../lib/root";
import { writePluginScript } from "./standIn";

/** The runtime name the engine is shown for the pack, so that it starts the runner below. */
export const POLICY_RUNTIME = "nodejs-policy-runner";

/** The repository's policy pack. */
export const POLICY_PACK_DIR = path.join(PROJECT_ROOT, "policy");

/** Writes `binDir/pulumi-analyzer-policy-<POLICY_RUNTIME>`: Pulumi's policy-pack runner, given the engine's address and the pack's directory. */
export function installPolicyRunner(binDir: string): string {
    const runner = path.join(path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [PROJECT_ROOT] })), "cmd", "run-policy-pack", "index.js");
    return writePluginScript(binDir, `pulumi-analyzer-policy-${POLICY_RUNTIME}`, "Pulumi's policy-pack runner for the engine's older way of starting a pack (engine/policyPack.ts)", runner, '"$1" "$2"');
}

/**
 * Makes `dir` a view of the pack for the engine: every file of the pack linked, and its
 * PulumiPolicy.yaml with the runtime set to POLICY_RUNTIME. The pack's modules resolve from their
 * real place in the repository, so its imports and dependencies are the repository's.
 */
export function policyPackView(dir: string, pack: string = POLICY_PACK_DIR): string {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    for (const entry of fs.readdirSync(pack)) {
        if (entry === "PulumiPolicy.yaml") continue;
        fs.symlinkSync(path.join(pack, entry), path.join(dir, entry));
    }
    const manifest = YAML.parseDocument(fs.readFileSync(path.join(pack, "PulumiPolicy.yaml"), "utf8"));
    if (manifest.get("runtime") !== "nodejs") throw new Error(`${path.join(pack, "PulumiPolicy.yaml")}: runtime is ${String(manifest.get("runtime"))}; the engine harness runs Node.js packs only`);
    manifest.set("runtime", POLICY_RUNTIME);
    fs.writeFileSync(path.join(dir, "PulumiPolicy.yaml"), manifest.toString());
    return dir;
}
