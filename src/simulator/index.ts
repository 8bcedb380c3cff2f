/**
 * CXone simulator (docs/cxone-contract.md#simulator): a real HTTP server for offline tests of the
 * generated connector. See server.ts for the routing, state.ts for the data rules.
 */
export { startSimulator, type Simulator, type SimulatorOptions, type SimulatorStart } from "./server.js";
export { loadSeed, parseSeed, type SeedResult } from "./seed.js";
export { demoSeed } from "./demo-seed.js";
export { defaultKnobs, checkKnobs, loadKnobs, type KnobsFileResult } from "./knobs.js";
export { manualClock, type SimClock } from "./clock.js";
export { SimState } from "./state.js";
export type {
  FaultRule,
  LastPageNext,
  SimAccessKey,
  SimAgent,
  SimClient,
  SimGroup,
  SimGroupMembership,
  SimKnobs,
  SimLogEntry,
  SimProfile,
  SimSeed,
  SimTeam,
} from "./types.js";
