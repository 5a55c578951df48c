// The gcp stand-in is installed like the others (engine/standIn.ts); this path stays for its callers.
export { installGcpStandIn } from "../standIn";
