// Entry of the pulumi-resource-postgresql stand-in: the engine starts it with its own address as
// the argument and reads the port of the plugin's gRPC server from the first line of stdout.
import { runStandIn } from "../standIn";
import { PostgresqlStandIn } from "./provider";

runStandIn("postgresql", new PostgresqlStandIn());
