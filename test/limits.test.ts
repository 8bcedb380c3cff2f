/**
 * Issue 12: every class the red-team run found ends in a clear, located, one-line refusal in
 * bounded time — recursion without limits, memory from tiny inputs, special files, slow inputs,
 * prototype keys, redaction gaps — plus the README "Limits" table checked against src/core/limits.ts.
 * One minimal case per class, run through the CLI in-process (the sources).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { CODES } from "../src/core/diagnostics.js";
import { formatLimit, LIMITS, measureJson } from "../src/core/limits.js";
import { readRegularFile } from "../src/core/read-file.js";
import { describeValue, redactQuery } from "../src/saviynt/redaction.js";
import { checkKnobs, parseSeed } from "../src/simulator/index.js";
import { runCli, type CliRun } from "./helpers/cli.js";
import { aliasBomb, flowNesting, limitPackage, nestedArrays } from "./helpers/limit-inputs.js";
import { repoRoot } from "./helpers/pkg-zip.js";
import { tempDir } from "./helpers/spawn.js";

const work = tempDir("limits");
afterAll(() => work.remove());
const dir = work.path;
const put = (name: string, data: string | Buffer): string => {
  writeFileSync(join(dir, name), data);
  return name;
};
put("acme-base.yaml", readFileSync(join(repoRoot, "examples/tenants/acme-base.yaml")));
const dev = readFileSync(join(repoRoot, "examples/tenants/acme-dev.yaml"), "utf8");
put("acme-dev.yaml", dev);

const cli = (args: string[]): Promise<CliRun> => runCli(args, { cwd: dir, env: { CXONE_CLIENT_ID: "id", CXONE_CLIENT_SECRET: "s", CXONE_ACCESS_KEY_ID: "k", CXONE_ACCESS_KEY_SECRET: "ks" } });

/** A refusal: the given exit code, exactly one error line with `code`, never INTERNAL. */
async function refused(args: string[], code: string, exit = CODES[code as keyof typeof CODES].exit): Promise<string> {
  const started = performance.now();
  const r = await cli(args);
  const out = r.stdout + r.stderr;
  expect(out).not.toMatch(/INTERNAL|call stack|FATAL/);
  expect(r.code, out).toBe(exit);
  const lines = out.split("\n").filter((l) => / error [A-Z_]+ /.test(l));
  expect(lines.some((l) => l.includes(` error ${code} `)), out).toBe(true);
  expect(performance.now() - started).toBeLessThan(5000);
  return lines.find((l) => l.includes(` error ${code} `))!;
}

describe("README Limits table", () => {
  test("lists every limit of src/core/limits.ts with its value and code", () => {
    const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Limits"));
    expect(section.length).toBeGreaterThan(100);
    for (const limit of Object.values(LIMITS)) expect(section).toContain(`| ${limit.what} | ${formatLimit(limit)} | \`${limit.code}\` |`);
  });
  test("every limit names a catalogued code", () => {
    for (const limit of Object.values(LIMITS)) expect(Object.keys(CODES)).toContain(limit.code);
  });
});

describe("recursion without limits", () => {
  test("10,000 levels in an attribute", async () => {
    put("deep-attr.zip", await limitPackage({ attributes: [["ImportAccountEntJSON", `{"a":${nestedArrays(10_000)}}`]] }));
    for (const command of [["lint"], ["inspect"], ["unpack", "deep-attr-out"]]) {
      const line = await refused([command[0]!, "deep-attr.zip", ...command.slice(1)], "LIMIT_DEPTH");
      expect(line).toContain("attribute ImportAccountEntJSON");
    }
    await refused(["diff", "deep-attr.zip", "deep-attr.zip"], "LIMIT_DEPTH");
  });
  test("10,000 levels in the ObjectSummary and 5,000 in the connection file", async () => {
    put("deep-summary.zip", await limitPackage({ summaryText: `{"Information":${nestedArrays(10_000)}}` }));
    put("deep-connection.zip", await limitPackage({ connectionText: `{"X":${nestedArrays(5_000)}}` }));
    expect(await refused(["inspect", "deep-summary.zip"], "LIMIT_DEPTH")).toMatch(/ObjectSummary.*line 1, column \d+: nesting deeper than 64/);
    await refused(["lint", "deep-connection.zip"], "LIMIT_DEPTH");
  });
  test("a JSON document held in a string (httpParams) is measured too", async () => {
    const doc = JSON.stringify({ call: [{ name: "call1", httpParams: nestedArrays(2_000) }] });
    put("deep-params.zip", await limitPackage({ attributes: [["CreateAccountJSON", doc]] }));
    expect(await refused(["lint", "deep-params.zip"], "LIMIT_DEPTH")).toContain("held in a string");
  });
  test("200,000 attributes and 200,000 values", async () => {
    const many: [string, string][] = Array.from({ length: 2_000 }, (_, i) => [`A${i}`, ""]);
    put("many-attrs.zip", await limitPackage({ attributes: many, onlyAttributes: true }));
    expect(await refused(["lint", "many-attrs.zip"], "LIMIT_COUNT")).toContain("2000 attributes");
    put("many-values.zip", await limitPackage({ attributes: [["ImportAccountEntJSON", `[${Array(200_000).fill("1").join(",")}]`]] }));
    await refused(["inspect", "many-values.zip"], "LIMIT_COUNT");
  });
  test("1,000 levels of flow nesting in a 2 KB tenant file, 2,500 levels of block nesting", async () => {
    put("flow.yaml", `extends: ./acme-base.yaml\n${flowNesting(1_000)}`);
    expect(await refused(["validate", "flow.yaml"], "LIMIT_DEPTH")).toMatch(/^flow\.yaml:2:\d+ error LIMIT_DEPTH/);
    put("block.yaml", `extends: ./acme-base.yaml\nx:\n${"- ".repeat(2_500)}1\n`);
    await refused(["validate", "block.yaml"], "LIMIT_DEPTH");
    let indented = "extends: ./acme-base.yaml\n";
    for (let i = 0; i < 200; i++) indented += `${" ".repeat(i)}k${i}:\n`;
    put("indented.yaml", indented);
    expect(await refused(["validate", "indented.yaml"], "LIMIT_DEPTH")).toMatch(/^indented\.yaml:\d+:\d+ /);
  });
  test("an alias that would nest past the limit once expanded", async () => {
    const deep = `${"[".repeat(40)}1${"]".repeat(40)}`;
    put("alias-deep.yaml", `extends: ./acme-base.yaml\na: &d ${deep}\nb: ${"[".repeat(40)}*d${"]".repeat(40)}\n`);
    await refused(["validate", "alias-deep.yaml"], "LIMIT_DEPTH");
  });
});

describe("memory from tiny inputs", () => {
  test("a million nested objects in a small zip are refused before they are built", async () => {
    const zip = await limitPackage({ attributes: [["ImportAccountEntJSON", `{"a":[${Array(1_000_000).fill("{}").join(",")}]}`]], deflate: true });
    expect(zip.length).toBeLessThan(20_000);
    put("million.zip", zip);
    // Whichever limit it crosses first (here the 3 MB attribute string), nothing is parsed.
    const r = await cli(["lint", "million.zip"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error LIMIT_(STRING|COUNT) /);
  });
  test("--set a[10000000] and a 10,000-segment path", async () => {
    expect(await refused(["validate", "acme-dev.yaml", "--set", "import.activeValues[10000000]=x"], "LIMIT_SET_PATH")).toContain("past the end of a list of 1 item");
    const ok = await cli(["validate", "acme-dev.yaml", "--set", "import.activeValues[1]=Inactive"]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(await refused(["validate", "acme-dev.yaml", "--set", `${Array(10_000).fill("a").join(".")}=1`], "LIMIT_SET_PATH")).toContain("10000 segments");
    await refused(["validate", "acme-dev.yaml", "--set", `connection.description=${"d".repeat(LIMITS.tenantStringLength.value + 1)}`], "LIMIT_STRING");
  });
});

describe("special files", () => {
  const fifo = join(dir, "pipe.zip");
  execFileSync("mkfifo", [fifo]);
  execFileSync("mkfifo", [join(dir, "pipe.yaml")]);
  mkdirSync(join(dir, "folder.zip"));
  mkdirSync(join(dir, "folder.yaml"));

  test("devices, FIFOs and folders are refused as packages, naming the path", async () => {
    expect(await refused(["inspect", "/dev/zero"], "IO_READ")).toContain("/dev/zero is a character device, not a regular file");
    expect(await refused(["inspect", "pipe.zip"], "IO_READ")).toContain("pipe.zip is a FIFO");
    expect(await refused(["lint", "folder.zip"], "IO_READ")).toContain("folder.zip is a folder");
    expect(await refused(["validate", "folder.yaml"], "IO_READ")).toContain("folder.yaml is a folder");
    expect(await refused(["validate", "pipe.yaml"], "IO_READ")).toContain("FIFO");
  });
  test("as an extends target: located at the extends value", async () => {
    put("ext-fifo.yaml", "extends: ./pipe.yaml\n");
    expect(await refused(["validate", "ext-fifo.yaml"], "IO_READ")).toMatch(/^ext-fifo\.yaml:1:10 error IO_READ .*FIFO/);
    put("ext-zero.yaml", "extends: /dev/zero\n");
    expect(await refused(["validate", "ext-zero.yaml"], "IO_READ")).toContain("character device");
  });
  test("a socket", async () => {
    const server = createServer();
    const path = join(dir, "sock.zip");
    await new Promise<void>((ok) => server.listen(path, ok));
    try {
      expect(await refused(["inspect", "sock.zip"], "IO_READ")).toMatch(/sock\.zip is a socket/);
    } finally {
      await new Promise((ok) => server.close(ok));
    }
  });
  test("a {file:} secret that is a FIFO, seeds and knobs that are devices", async () => {
    const r = await cli(["build", "acme-dev.yaml", "--with-secrets", "--set", "cxone.auth.clientSecret={file: pipe.yaml}", "--out", "fifo-out"]);
    expect(r.stderr).toMatch(/SECRET_FILE_MISSING .*FIFO/);
    expect(readdirSync(dir)).not.toContain("fifo-out");
    await refused(["simulate", "acme-dev.yaml", "--seed", "/dev/zero"], "IO_READ");
    await refused(["simulate", "acme-dev.yaml", "--knobs", "pipe.zip"], "IO_READ");
  });
  test("readRegularFile caps what it reads", () => {
    put("ten.txt", "0123456789");
    expect(readRegularFile(join(dir, "ten.txt"), { maxBytes: 10 })).toMatchObject({ ok: true });
    expect(readRegularFile(join(dir, "ten.txt"), { maxBytes: 9 })).toMatchObject({ ok: false, reason: "too-large" });
    expect(readRegularFile(join(dir, "nope.txt"), { maxBytes: 9 })).toMatchObject({ ok: false, reason: "missing" });
  });
  test("files over their size limit", async () => {
    put("huge.yaml", `extends: ./acme-base.yaml\n# ${"x".repeat(LIMITS.tenantFileBytes.value)}\n`);
    expect(await refused(["validate", "huge.yaml"], "LIMIT_FILE_SIZE")).toContain(`${LIMITS.tenantFileBytes.value}-byte limit`);
  });
});

describe("slow inputs", () => {
  test("an alias bomb (9 levels x 5) is refused at once", async () => {
    put("bomb.yaml", `extends: ./acme-base.yaml\n${aliasBomb(9, 5)}`);
    const started = performance.now();
    await refused(["validate", "bomb.yaml"], "TENANT_TOO_COMPLEX");
    expect(performance.now() - started).toBeLessThan(1000);
  });
  test("strings at the limit in checked fields are checked in linear time", async () => {
    const n = LIMITS.tenantStringLength.value - 16;
    const cases = ["${".repeat(n / 2), "{{".repeat(n / 2), "$".repeat(n), "{".repeat(n), "'".repeat(n), "${user.".repeat(n / 7)];
    for (const [i, text] of cases.entries()) {
      // An expression field (agent) and a plain field (description), each holding the whole string.
      const yaml = dev.replace("provisioning:\n", `provisioning:\n  agent:\n    city: ${JSON.stringify(text)}\n`).replace(/description: .*/, `description: ${JSON.stringify(text)}`);
      put(`slow-${i}.yaml`, yaml);
      const started = performance.now();
      const r = await cli(["validate", `slow-${i}.yaml`]);
      expect(r.stdout + r.stderr).not.toContain("INTERNAL");
      expect(performance.now() - started, `case ${i}`).toBeLessThan(2000);
    }
  });
  test("package strings at the limit are linted and diffed in linear time", async () => {
    const n = LIMITS.jsonStringLength.value - 64;
    const doc = (s: string) => JSON.stringify({ accountParams: { connection: s, call: { call1: { callType: "acct", url: s, httpMethod: "GET", httpParams: s, colsToPropsMap: { a: s } } } } });
    for (const [i, text] of ["${".repeat(n / 4), "~#~".repeat(n / 6), "{".repeat(n / 2), "?a=".repeat(n / 6)].entries()) {
      put(`slow-${i}.zip`, await limitPackage({ attributes: [["ImportAccountEntJSON", doc(text)]] }));
      for (const args of [["lint", `slow-${i}.zip`], ["diff", `slow-${i}.zip`, "slow-0.zip"]]) {
        const started = performance.now();
        const r = await cli(args);
        expect(r.stdout + r.stderr).not.toContain("INTERNAL");
        expect(performance.now() - started, `${args.join(" ")}`).toBeLessThan(2000);
      }
    }
  });
  test("measureJson stops at the first limit", () => {
    expect(measureJson(nestedArrays(65)).problem?.code).toBe("LIMIT_DEPTH");
    expect(measureJson(nestedArrays(64)).problem).toBeUndefined();
    expect(measureJson(`"${"a".repeat(LIMITS.jsonStringLength.value + 1)}"`).problem?.code).toBe("LIMIT_STRING");
    expect(measureJson(`["\\"[[[["]`).problem).toBeUndefined();
  });
});

describe("prototype keys", () => {
  test("attributes named toString, constructor and __proto__ are data", async () => {
    put("proto.zip", await limitPackage({ attributes: [["toString", '{"a":1}'], ["constructor", '{"b":2}'], ["__proto__", '{"c":3}']] }));
    for (const command of ["lint", "inspect"]) {
      const r = await cli([command, "proto.zip"]);
      expect(r.stdout + r.stderr).not.toMatch(/INTERNAL|native code|function /);
      expect([0, 1]).toContain(r.code);
    }
    const r = await cli(["inspect", "proto.zip", "--format", "json"]);
    expect(JSON.parse(r.stdout).attributes.map((a: { name: string }) => a.name)).toEqual(expect.arrayContaining(["toString", "constructor", "__proto__"]));
  });
  test("tenant keys named constructor and toString are unknown keys", async () => {
    put("proto.yaml", `${dev.replace("import:\n", "import:\n  toString: x\n")}constructor: 1\n`);
    const r = await cli(["validate", "proto.yaml"]);
    expect(r.stdout + r.stderr).not.toContain("INTERNAL");
    expect(r.stderr).toContain('unknown key "constructor"');
    expect(r.stderr).toContain('unknown key "toString"');
    await refused(["validate", "acme-dev.yaml", "--set", "constructor.prototype=1"], "TENANT_UNKNOWN_KEY");
  });
  test("knobs with __proto__ or an out-of-range latency are refused", async () => {
    put("proto-knobs.json", '{"__proto__": {"listCap": 1}}');
    expect(await refused(["simulate", "acme-dev.yaml", "--knobs", "proto-knobs.json"], "SIM_KNOBS_INVALID")).toContain("unknown knob '__proto__'");
    put("slow-knobs.json", '{"faults": [{"path": "/x", "latencyMs": 99999999999}]}');
    expect(await refused(["simulate", "acme-dev.yaml", "--knobs", "slow-knobs.json"], "SIM_KNOBS_INVALID")).toContain("faults[0].latencyMs must be <= 60000");
    expect(checkKnobs({ toString: 1 })[0]).toContain("unknown knob 'toString'");
    expect(checkKnobs({ tokenFailureStatus: 418 })[0]).toContain("tokenFailureStatus must be one of 400, 401, 500, 503");
    expect(checkKnobs({ faults: [{ path: "/x" }] })[0]).toContain("needs a status or a latencyMs");
    expect(checkKnobs({ listCap: 5, faults: [{ path: "/agents", status: 503, count: 1 }] })).toEqual([]);
  });
  test("seeds are checked by their schema: ranges and unknown keys", () => {
    const seed = JSON.parse(readFileSync(join(repoRoot, "test/fixtures/simulator/acme-seed.json"), "utf8"));
    expect(parseSeed(seed).seed).toBeDefined();
    const bad = parseSeed({ ...seed, businessUnitId: -1 });
    expect(bad.seed).toBeUndefined();
    expect(bad.diagnostics[0]!.message).toContain("businessUnitId must be >= 1");
    const proto = parseSeed(JSON.parse(JSON.stringify(seed).replace('"businessUnitId"', '"__proto__": {}, "businessUnitId"')));
    expect(proto.diagnostics.map((d) => d.message)).toContain("seed: __proto__ is not a known key");
  });
});

describe("one redaction policy", () => {
  const headers = { Authorization: "Bearer SEKRIT-TOKEN-1", "X-Api-Key": "APIKEY-999", Accept: "application/json" };
  const doc = JSON.stringify({ accountParams: { connection: "acctAuth", call: { call1: { callType: "acct", url: "https://x.example/a?access_token=QTOKEN7", httpMethod: "GET", httpHeaders: headers } } } });

  test("unpack redacts literal credentials in headers and connection fields unless --with-secrets", async () => {
    put("creds.zip", await limitPackage({ attributes: [["ImportAccountEntJSON", doc]], fields: { password: "FIELD-PW-5" } }));
    const r = await cli(["unpack", "creds.zip", "creds-out"]);
    expect(r.code, r.stderr).toBe(0);
    const written = readdirSync(join(dir, "creds-out"), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => readFileSync(join(e.parentPath, e.name), "utf8"))
      .join("\n");
    for (const secret of ["SEKRIT-TOKEN-1", "APIKEY-999", "QTOKEN7", "FIELD-PW-5"]) expect(written).not.toContain(secret);
    expect(written).toContain("‹redacted sha256:");
    expect(written).toContain("application/json");
    expect(written).toContain("literal credentials redacted");
    const all = await cli(["unpack", "creds.zip", "creds-all", "--with-secrets"]);
    expect(all.code, all.stderr).toBe(0);
    expect(readFileSync(join(dir, "creds-all/attributes/ImportAccountEntJSON.json"), "utf8")).toContain("SEKRIT-TOKEN-1");
  });
  test("diff and inspect show the same header without its value", async () => {
    put("creds-b.zip", await limitPackage({ attributes: [["ImportAccountEntJSON", doc.replace("SEKRIT-TOKEN-1", "SEKRIT-TOKEN-2")]] }));
    const d = await cli(["diff", "creds.zip", "creds-b.zip", "--format", "json"]);
    expect(d.code).toBe(1);
    expect(d.stdout).not.toMatch(/SEKRIT|APIKEY|QTOKEN/);
    const i = await cli(["inspect", "creds.zip", "--format", "json"]);
    expect(i.stdout).not.toMatch(/SEKRIT|APIKEY|QTOKEN|FIELD-PW/);
  });
  test("a value refused in --set is described, never echoed", async () => {
    const S = "S3CRET-VALUE-42";
    for (const assignment of [`cxone.auth=${S}`, `${S.replace(/-/g, "_")}=1`, `cxone.auth.clientSecret={${S}}`, `import.pageSize=${S}`, `cxone.auth.clientSecret=${S}`]) {
      for (const format of ["text", "json"]) {
        const r = await cli(["validate", "acme-dev.yaml", "--set", assignment, "--format", format]);
        expect(r.code, assignment).not.toBe(0);
        expect(r.stdout + r.stderr, assignment).not.toContain(S);
        expect(r.stdout + r.stderr, assignment).not.toContain(S.replace(/-/g, "_"));
      }
    }
    expect(describeValue(S)).toBe(`a string of ${S.length} characters`);
  });
  test("request paths in simulate reports lose credential query values", () => {
    expect(redactQuery("/a?access_token=abc&page=2&api_key=${x}")).toBe("/a?access_token=[REDACTED]&page=2&api_key=${x}");
    expect(redactQuery("/a/b")).toBe("/a/b");
  });
});
