/**
 * savpkg as a library: the same operations as the CLI, as functions. One module per pipeline
 * stage (docs/architecture.md): load → validate → render → check → pack → emit.
 */
export { CODES, diag, hasErrors, sortDiagnostics, type Code, type Diagnostic, type Severity } from "./core/diagnostics.js";
export { formatDiagnosticsJson, formatDiagnosticsText, formatDiagnosticText } from "./core/format.js";
export { isSafeLine, safeJson, safeLine, safeStrings, safeText, UNSAFE_CHARACTERS } from "./core/text-safety.js";
export { canonicalJson, escapePointer, fromPointer, hasOwn, isObject, pointerSegments, pointerToPath, toPointer, unescapePointer, type JsonPath } from "./core/json.js";
export { loadTenant, type LoadOptions, type LoadResult, type Located, type SourceLocation } from "./tenant/load.js";
export { validateTenant, type TenantConfig, type InContactTenant, type RestTenant, type OverrideOperation, type SecretRef, type ValidateResult } from "./tenant/validate.js";
export { DEFAULT_EIC_CREDENTIALS, placeholderFor, resolveSecretRef, resolveSecrets, SECRET_FIELDS, type SecretField, type SecretValues } from "./tenant/secrets.js";
export { encodeBody, renderAttributes, type RenderedAttributes, type RenderOptions } from "./tenant/render.js";
export { ATTRIBUTE_SCHEMAS, checkAttributes, type AttributeDocuments, type CheckOptions } from "./package/rules.js";
export { DEFAULT_PACKAGE_TIME, nameBasedUuid, packageTime, packPackage, planConnectionPackage, planPackage, zipEntries, type ConnectionPackageInput, type PackedPackage } from "./package/pack.js";
export { emitFiles, writeFileAtomic, type PlannedFile } from "./build/emit.js";
export { compileTenant, locateInTenant, packagePaths, planTenantFiles, renderWithSecrets, secretBaseDir, tenantName, type CompileOptions, type CompileResult } from "./build/compile.js";
export { discoverTenants, runBuild, savpkgVersion, type BuildOptions, type BuildOutcome, type PackageRecord } from "./build/batch.js";
export { initTenantFile } from "./tenant/init.js";
export { tenantSchemaText } from "./core/schemas.js";
export * from "./saviynt/t2p.js";
export { startSimulator, loadSeed, parseSeed, demoSeed, defaultKnobs, checkKnobs, manualClock, SimState } from "./simulator/index.js";
export type { Simulator, SimulatorOptions, SimulatorStart, SeedResult, SimSeed, SimKnobs, FaultRule, SimLogEntry, SimAgent, SimTeam, SimGroup, SimProfile, SimClient, SimAccessKey, SimClock, LastPageNext } from "./simulator/index.js";
export { readPackage, ZIP_LIMITS, Binding, parseJsonWithBindings, findDuplicateKeys, looksLikeCiphertext, unsafeNameReason, type ReadOptions, type ZipLimits } from "./package/read.js";
export type { PackageModel, ReadResult, PackageAttribute, AttributeState, PackageEntry as ReadEntry, EntryKind, ObjectSummaryInfo, ConnectionInfo, PackageLayout } from "./package/model.js";
export { readPackageInput, type PackageInputOptions } from "./build/package-input.js";
export { inspectPackage, formatInspectText, formatInspectJson, type InspectReport, type InspectAttribute } from "./package/inspect.js";
export { planUnpack, writeUnpack, type UnpackFile, type UnpackOptions, type WriteUnpackOptions } from "./package/unpack.js";
export { lintPackage } from "./package/lint.js";
export { diffPackages, formatPath, redactionMarker, redactDocument, type DiffResult, type DiffChange, type DiffNote, type DiffOptions, type DiffScope, type DiffOp, type DiffSide, type PathSegment } from "./package/diff.js";
export { formatDiffText, formatDiffJson, formatDiffMarkdown, groupChanges, DIFF_JSON_FORMAT, DIFF_JSON_VERSION, type DiffGroup } from "./package/diff-format.js";
export { DEFAULT_SIM_PAGE_SIZE, diffState, formatSimulationJson, formatSimulationText, SAMPLE_IDENTITY, SAMPLE_IDENTITY_UPDATE, simulate, simulationExitCode, STEPS, type CheckResult, type ImportSummary, type SimulateOptions, type SimulationReport, type SimulationTextOptions, type StateChange, type StepName, type StepReport } from "./simulate/index.js";
export { evaluate, evaluateTemplateValue, ExecutorContext, nodeTransport, parseExpression, reconcile, renderTemplate, runImport, runProvision, scanDocuments, type CallRecord, type ExecutorEnv, type ImportRun, type ProvisionRun, type SaviyntView, type Transport, type UnsupportedUse, type UrlPolicy } from "./executor/index.js";
export * from "./eic/index.js";
export { startFakeEic, checkFakeKnobs, defaultFakeKnobs, type FakeEic, type FakeEicOptions, type FakeEicRequest, type FakeEicUser, type FakeEicKnobs, type FakeFault, type EicVersion } from "./eic-fake/index.js";
export * from "./deploy/index.js";
export { adoptPackage, planAdoptFiles, runAdopt, splitBase, tenantYaml, type AdoptedTenant, type AdoptOptions, type AdoptOutcome, type AdoptPlanOptions, type Fill, type Fix, type RunAdoptOptions, type TenantLayers } from "./adopt/index.js";
export { applyOverrides, typedFieldFor, type OverrideResult } from "./tenant/overrides.js";
export { dataToDocument, documentToData, BINDING_MARKER, JSON_MARKER } from "./saviynt/rest-data.js";
export { parseNestedDocument } from "./package/read.js";
