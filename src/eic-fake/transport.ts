/**
 * The fake EIC's transport (T2P) endpoints, saviynt-eic-api §6: export records the named
 * connections as they are at export time, import applies such an export to the store, and both
 * run as jobs whose state the status call reports. Field spellings are the server's own:
 * `errorcode` in export/import, `errorCode` in status. The in-progress and failed answers are not
 * documented (open question 12): they are the `transportOutcome` knob.
 */
import type { FakeEicKnobs } from "./knobs.js";
import type { ConnectionStore, StoredConnection } from "./store.js";

interface Answer {
  status: number;
  body?: unknown;
}

interface ExportedPackage {
  path: string;
  fileName: string;
  connections: StoredConnection[];
}

interface Job {
  operation: "export" | "import";
  done: boolean;
  /** For an import: the package to apply when the job completes. */
  apply?: ExportedPackage;
}

const precondition = (msg: string, msgDescription: string): Answer => ({ status: 412, body: { errorcode: 1, msg, msgDescription } });

export class TransportJobs {
  private readonly packages = new Map<string, ExportedPackage>();
  private readonly exports = new Map<string, Job>();
  private readonly imports = new Map<string, Job>();
  private nextRequest = 2490001;

  constructor(
    private readonly store: ConnectionStore,
    private readonly knobs: FakeEicKnobs,
  ) {}

  export(body: Record<string, unknown>, user: string, stamp: string): Answer {
    const online = body.exportonline;
    if (online !== "true" && online !== "false") return precondition("Invalid request Payload", "exportonline must be \"true\" or \"false\"");
    if (online === "false" && (typeof body.exportpath !== "string" || body.exportpath === "")) return precondition("Invalid request Payload", "exportpath is required when exportonline is false");
    if (online === "true" && (typeof body.environmentname !== "string" || body.environmentname === "")) return precondition("Invalid request Payload", "environmentname is required when exportonline is true");
    const objects = body.objectstoexport;
    const lists = objects !== null && typeof objects === "object" && !Array.isArray(objects) ? Object.values(objects) : [];
    if (lists.length === 0 || !lists.every((l) => Array.isArray(l) && l.every((x) => typeof x === "string")) || lists.every((l) => (l as unknown[]).length === 0)) {
      return precondition("Invalid request Payload", "objectstoexport must name at least one object");
    }
    const names = ((objects as Record<string, unknown>).connection ?? []) as string[];
    const missing = names.filter((n) => !this.store.find({ name: n }));
    if (missing.length > 0) return precondition("Invalid request Payload", `unknown connection ${missing.join(", ")}`);
    const fileName = `transport_${user}_${stamp.replace("T", "_").replace(/:/g, "-").replace("Z", "")}(UTC).zip`;
    const dir = online === "false" ? (body.exportpath as string).replace(/\/+$/, "") : `/environments/${body.environmentname as string}`;
    // A snapshot: later edits of the connections do not change what was exported.
    const connections = names.map((n) => structuredCloneConnection(this.store.find({ name: n })!));
    const pkg: ExportedPackage = { path: `${dir}/${fileName}`, fileName, connections };
    this.packages.set(pkg.path, pkg);
    this.exports.set(fileName, { operation: "export", done: false });
    return {
      status: 200,
      body: { errorcode: 0, fileName, msg: "success", msgDescription: "Export Requested. If other requests are currently processing, check the status with /transportPackageStatus" },
    };
  }

  import(body: Record<string, unknown>): Answer {
    const path = body.packagetoimport;
    if (typeof path !== "string" || path === "") return precondition("Invalid request Payload", "packagetoimport is required");
    const pkg = this.packages.get(path);
    if (!pkg) return precondition("Package not found", `no package at ${path}`);
    const requestId = String(this.nextRequest++);
    this.imports.set(requestId, { operation: "import", done: false, apply: pkg });
    return { status: 200, body: { errorcode: 0, msg: "success", msgDescription: "Import Requested. Check the status with /transportPackageStatus", requestId } };
  }

  /** The status call; a job completes (and an import is applied) the first time it is polled while the knob says success. */
  status(body: Record<string, unknown>, who: string, stamp: string): Answer {
    const operation = body.operation;
    if (operation !== "export" && operation !== "import") return { status: 200, body: { errorCode: 1, msg: "Invalid request Payload", msgDescription: "operation must be export or import" } };
    if (typeof body.filename !== "string" || body.filename === "") return { status: 200, body: { errorCode: 1, msg: "Invalid request Payload", msgDescription: "Filename cannot be blank" } };
    if (operation === "import" && (typeof body.requestid !== "string" || body.requestid === "")) {
      return { status: 200, body: { errorCode: 1, msg: "Invalid request Payload", msgDescription: "Requestid cannot be blank" } };
    }
    const job = operation === "export" ? this.exports.get(body.filename) : this.imports.get(body.requestid as string);
    if (!job) return precondition("Invalid request Payload", `no ${operation} request for ${body.filename}`);
    if (!job.done) {
      if (this.knobs.transportOutcome === "in-progress") return { status: 200, body: { errorCode: 0, msg: "In Progress", msgDescription: "The request is queued or running." } };
      if (this.knobs.transportOutcome === "failed") return { status: 200, body: { errorCode: 1, msg: "Failed", msgDescription: `The environment package could not be ${operation}ed.` } };
      job.done = true;
      for (const c of job.apply?.connections ?? []) {
        this.store.save(this.store.find({ name: c.name }), { name: c.name, type: c.type, description: c.description, attributes: new Map(c.attributes) }, who, stamp, { ...this.knobs, reserialize: "verbatim", updateMode: "replace" });
      }
    }
    return { status: 200, body: { errorCode: 0, msg: "Success", msgDescription: `The environment package was successfully ${operation}ed.` } };
  }
}

function structuredCloneConnection(c: StoredConnection): StoredConnection {
  return { ...c, attributes: new Map(c.attributes) };
}
