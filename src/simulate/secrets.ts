/**
 * The secrets of one simulation: generated for each run and registered as the simulator's only
 * client and access key, so the user's environment and the tenant's secret references are never read.
 */
import { randomBytes } from "node:crypto";
import type { Transport } from "../executor/index.js";
import type { Simulator } from "../simulator/index.js";

export interface Credentials {
  clientId: string;
  clientSecret: string;
  accessKeyId: string;
  accessKeySecret: string;
}

export function generateCredentials(): Credentials {
  return {
    clientId: `savpkg-sim-${hex(4)}`,
    clientSecret: hex(24),
    accessKeyId: `SIMKEY${hex(8).toUpperCase()}`,
    accessKeySecret: hex(24),
  };
}

/** A password for the created account that CXone's rules accept. */
export function generatedPassword(): string {
  return `Sim-${hex(6)}-Aa1!`;
}

function hex(bytes: number): string {
  return randomBytes(bytes).toString("hex");
}

/** A refresh-token grant needs a refresh token the simulator issued: one is got with the generated access key. */
export async function initialRefreshToken(sim: Simulator, creds: Credentials, transport: Transport): Promise<string | undefined> {
  try {
    const r = await transport({
      method: "POST",
      url: sim.tokenUrl,
      headers: { "Content-Type": "application/x-www-form-urlencoded", Authorization: `Basic ${Buffer.from(`${creds.clientId}:${creds.clientSecret}`).toString("base64")}` },
      body: new URLSearchParams({ grant_type: "password", username: creds.accessKeyId, password: creds.accessKeySecret }).toString(),
    });
    const body = JSON.parse(r.text) as { refresh_token?: unknown };
    return typeof body.refresh_token === "string" ? body.refresh_token : undefined;
  } catch {
    return undefined;
  }
}
