/**
 * The EIC client against a hostile server (real HTTP on 127.0.0.1): a response body beyond the
 * documented limit, with or without Content-Length, and a deeply nested one, are refused with one
 * contract diagnostic in bounded memory — never parsed or walked.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, test } from "vitest";
import { LIMITS } from "../src/core/limits.js";
import { EicClient } from "../src/eic/index.js";

let server: Server;
let origin: string;
/** What the server answers to /ECM/api/login, chosen per test. */
let answer: (res: import("node:http").ServerResponse) => void;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on("end", () => answer(res));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const login = async () => {
  const client = new EicClient({ origin, username: "admin", password: "pw", retries: 0 });
  return client.getConnectionDetails("InContact_DEV");
};

test("a declared body over the limit is refused without reading it", async () => {
  answer = (res) => {
    res.writeHead(200, { "content-type": "application/json", "content-length": String(LIMITS.eicResponseBytes.value + 1) });
    res.end();
  };
  const result = await login();
  expect(result.ok).toBe(false);
  expect(!result.ok && result.diagnostics.map((d) => [d.code, d.message])).toEqual([["EIC_RESPONSE_SHAPE", expect.stringMatching(/login: the response is larger than 16 MiB/)]]);
});

test("a streamed body over the limit is cut off where it passes it", async () => {
  const chunk = Buffer.alloc(1024 * 1024, 0x20);
  let sent = 0;
  answer = (res) => {
    res.writeHead(200, { "content-type": "application/json" });
    const push = () => {
      while (sent < LIMITS.eicResponseBytes.value * 4 && !res.destroyed) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once("drain", push);
      }
      res.end();
    };
    push();
  };
  const result = await login();
  expect(!result.ok && result.diagnostics[0]!.message).toMatch(/larger than 16 MiB/);
  // The client stopped reading near the limit and closed the connection: with backpressure the
  // server got nowhere near the 64 MiB it wanted to send.
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(sent).toBeLessThan(LIMITS.eicResponseBytes.value * 2.5);
});

test("a deeply nested body is refused by its measured shape, not parsed", async () => {
  answer = (res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end("[".repeat(100_000) + "]".repeat(100_000));
  };
  const result = await login();
  expect(!result.ok && result.diagnostics.map((d) => d.code)).toEqual(["EIC_RESPONSE_SHAPE"]);
  expect(!result.ok && result.diagnostics[0]!.message).toMatch(/^login: the response .*nest/);
});
