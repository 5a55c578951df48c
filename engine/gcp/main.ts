// Entry of the pulumi-resource-gcp stand-in: the engine starts it with its own address as the
// argument and reads the port of the plugin's gRPC server from the first line of stdout, so
// nothing else may be written to stdout.
import { runStandIn } from "../standIn";
import { GcpStandIn } from "./provider";

runStandIn("gcp", new GcpStandIn());
