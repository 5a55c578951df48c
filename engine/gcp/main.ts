// Entry of the pulumi-resource-gcp stand-in: the engine starts it with its own address as the
// argument and reads the port of the plugin's gRPC server from the first line of stdout, so
// nothing else may be written to stdout.
import { GcpStandIn } from "./provider";
import { serve } from "./server";

serve(new GcpStandIn(), process.argv.slice(2)).catch((e) => {
    process.stderr.write(`pulumi-resource-gcp (local stand-in): ${(e as Error).stack ?? e}\n`);
    process.exit(1);
});
