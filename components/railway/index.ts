export * from "./client";
export * from "./variables";
export * from "./provider";
export * from "./railwayVariables";
