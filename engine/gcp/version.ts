// The stand-in answers as the pulumi-gcp version the program's SDK asks for, so the engine
// takes it for the plugin it wants and looks for no other.
import * as fs from "fs";
import * as path from "path";

const REPO_ROOT = path.resolve(__dirname, "..", "..");

/** The installed @pulumi/gcp SDK version (node_modules, else package-lock.json). */
export function gcpSdkVersion(root: string = REPO_ROOT): string {
    const pkg = path.join(root, "node_modules", "@pulumi", "gcp", "package.json");
    if (fs.existsSync(pkg)) {
        const json = JSON.parse(fs.readFileSync(pkg, "utf8"));
        // The SDK registers its resources with the version under "pulumi"; that is the plugin version asked for.
        const v = json.pulumi?.version ?? json.version;
        if (typeof v === "string") return v;
    }
    const lock = path.join(root, "package-lock.json");
    if (fs.existsSync(lock)) {
        const v = JSON.parse(fs.readFileSync(lock, "utf8")).packages?.["node_modules/@pulumi/gcp"]?.version;
        if (typeof v === "string") return v;
    }
    throw new Error(`no @pulumi/gcp in ${root}: neither node_modules nor package-lock.json names its version`);
}
