/**
 * Access and refresh tokens issued by the simulator (docs/cxone-contract.md#simulator-auth). Expiry is
 * computed from the simulator clock, so tests expire tokens by moving the clock or with the
 * "expire all tokens now" knob. Token values are random and never logged.
 */
import { randomBytes } from "node:crypto";

interface Grant {
  expiresAt: number;
  clientId: string;
  subject: string;
}

export class TokenStore {
  private readonly access = new Map<string, Grant>();
  private readonly refresh = new Map<string, Grant>();

  issue(clientId: string, subject: string, nowMs: number, ttlSeconds: number, refreshTtlSeconds: number): { accessToken: string; refreshToken: string } {
    const accessToken = `sim_at_${randomBytes(24).toString("base64url")}`;
    const refreshToken = `sim_rt_${randomBytes(24).toString("base64url")}`;
    this.access.set(accessToken, { expiresAt: nowMs + ttlSeconds * 1000, clientId, subject });
    this.refresh.set(refreshToken, { expiresAt: nowMs + refreshTtlSeconds * 1000, clientId, subject });
    return { accessToken, refreshToken };
  }

  /** True when the access token exists and has not expired. */
  isValid(token: string, nowMs: number): boolean {
    const g = this.access.get(token);
    return g !== undefined && nowMs < g.expiresAt;
  }

  /** The subject of a usable refresh token issued to `clientId`, else undefined (invalid_grant). */
  redeemRefresh(token: string, clientId: string | undefined, nowMs: number): string | undefined {
    const g = this.refresh.get(token);
    if (!g || nowMs >= g.expiresAt) return undefined;
    if (clientId !== undefined && g.clientId !== clientId) return undefined;
    return g.subject;
  }

  /** Clientless refresh (legacy issuer): the grant's client and subject. */
  refreshGrant(token: string, nowMs: number): { clientId: string; subject: string } | undefined {
    const g = this.refresh.get(token);
    return g && nowMs < g.expiresAt ? { clientId: g.clientId, subject: g.subject } : undefined;
  }

  /** "Expire all tokens now": access tokens always, refresh tokens when asked. */
  expireAll(includeRefresh = false): void {
    for (const g of this.access.values()) g.expiresAt = Number.NEGATIVE_INFINITY;
    if (includeRefresh) for (const g of this.refresh.values()) g.expiresAt = Number.NEGATIVE_INFINITY;
  }

  revoke(accessToken: string): void {
    const g = this.access.get(accessToken);
    if (g) g.expiresAt = Number.NEGATIVE_INFINITY;
  }

  get issuedCount(): number {
    return this.access.size;
  }
}
