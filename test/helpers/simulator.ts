/** A simulator for one test, stopped when the test finishes; a refused start fails the test with its diagnostics. */
import { join } from "node:path";
import { onTestFinished } from "vitest";
import { loadSeed, startSimulator, type Simulator, type SimulatorOptions } from "../../src/simulator/index.js";

export const SEED_FILE = join(import.meta.dirname, "../fixtures/simulator/acme-seed.json");

export async function runningSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const started = await startSimulator({ seed: loadSeed(SEED_FILE).seed, ...options });
  if (!started.simulator) throw new Error(`the simulator did not start: ${started.diagnostics.map((d) => `${d.path ?? ""} ${d.message}`).join("; ")}`);
  const sim = started.simulator;
  onTestFinished(() => sim.stop());
  return sim;
}
