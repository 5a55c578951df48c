export * from "./schema";
export * from "./catalogue";
export * from "./analyticsDataset";
export * from "./analyticsTables";
export * from "./analyticsViews";
