// Moved: the PostgreSQL starter is shared by tests, the bench and the engine rehearsal.
export * from "../../servers/postgres";
