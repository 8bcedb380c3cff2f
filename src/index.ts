/**
 * savpkg as a library: the same operations as the CLI, as functions. One module per pipeline
 * stage (docs/architecture.md): load → validate → render → check → pack → emit.
 */
export { CODES, diag, hasErrors, sortDiagnostics, type Code, type Diagnostic, type Severity } from "./diagnostics.js";
export { formatDiagnosticsJson, formatDiagnosticsText, formatDiagnosticText } from "./format.js";
export { loadTenant, pointerToPath, type LoadOptions, type LoadResult, type Located, type SourceLocation } from "./load.js";
export { validateTenant, type TenantConfig, type SecretRef, type ValidateResult } from "./validate.js";
export { placeholderFor, resolveSecrets, SECRET_FIELDS, type SecretField, type SecretValues } from "./secrets.js";
export { encodeBody, renderAttributes, type RenderedAttributes, type RenderOptions } from "./render.js";
export { ATTRIBUTE_SCHEMAS, checkAttributes, type AttributeDocuments, type CheckOptions } from "./check.js";
export { DEFAULT_PACKAGE_TIME, nameBasedUuid, packageTime, packPackage, planPackage, zipEntries, type PackedPackage } from "./pack.js";
export { emitFiles, writeFileAtomic, type PlannedFile } from "./emit.js";
export { compileTenant, packagePaths, planTenantFiles, tenantName, type CompileOptions, type CompileResult } from "./compile.js";
export { discoverTenants, runBuild, savpkgVersion, type BuildOptions, type BuildOutcome, type PackageRecord } from "./build.js";
export { initTenantFile } from "./init.js";
export { tenantSchemaText } from "./schema.js";
export * from "./t2p.js";
export { startSimulator, SimulatorSeedError, loadSeed, parseSeed, demoSeed, defaultKnobs, checkKnobs, manualClock, SimState } from "./simulator/index.js";
export type { Simulator, SimulatorOptions, SeedResult, SimSeed, SimKnobs, FaultRule, SimLogEntry, SimAgent, SimTeam, SimGroup, SimProfile, SimClient, SimAccessKey, SimClock, LastPageNext } from "./simulator/index.js";
