export * from "./files";
export * from "./migrator";
export * from "./provider";
