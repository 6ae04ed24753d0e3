// Simulation: a network of up to 100,000 vaults in simulated time, deciding with PeerDrive's own placement and repair rules.
export { simulate } from './simulator.ts'
export type { SimFigures, SimProgress, SimRun } from './simulator.ts'
export { runMany } from './runs.ts'
export type { SimSummary } from './runs.ts'
export { DEFAULTS, simConfig } from './config.ts'
export type { Kill, SimConfig } from './config.ts'
export { CHURN_MODELS, availability } from './churn.ts'
export type { ChurnModel } from './churn.ts'
