// npm run -s policy:config -- --stack <name> > policy-config.json: the policy pack's config for a
// stack, for `pulumi preview --policy-pack-config`.
import { policyConfigFor } from "../plan/policyConfig";
import { ExitError, parse, requireStack, run, STACK_OPTION } from "./command";

const spec = {
    name: "policy:config",
    usage: "-- --stack <dev|prod>",
    summary: "Prints, as JSON, the policy pack's configuration derived from the stack file (whether a service-account key is allowed), for `pulumi preview --policy-pack-config`.",
    options: { stack: STACK_OPTION },
    help: { stack: "the stack file: Pulumi.<stack>.yaml (required)" },
} as const;

run(async () => {
    const { values } = parse(spec, process.argv.slice(2));
    const stack = requireStack("policy:config", values.stack);
    let config;
    try {
        config = policyConfigFor(stack);
    } catch (err: any) {
        throw new ExitError(`policy:config failed: ${err?.message ?? err}`, 1);
    }
    process.stdout.write(JSON.stringify(config, null, 2) + "\n");
});
