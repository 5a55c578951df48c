// npm run -s policy:config -- --stack <name> > policy-config.json
// Prints the policy pack's config for a stack, for `pulumi preview --policy-pack-config`.
import { policyConfigFor } from "../plan/policyConfig";

const argv = process.argv.slice(2);
const i = argv.indexOf("--stack");
const stack = i >= 0 ? argv[i + 1] : undefined;
if (!stack) {
    process.stderr.write("usage: npm run -s policy:config -- --stack <dev|prod>\n");
    process.exit(2);
}
try {
    process.stdout.write(JSON.stringify(policyConfigFor(stack), null, 2) + "\n");
} catch (err: any) {
    process.stderr.write(`policy:config failed: ${err.message}\n`);
    process.exit(1);
}
