// Moved: the free-port helper is shared by tests, the bench and the engine rehearsal.
export { freePort } from "../../servers/ports";
