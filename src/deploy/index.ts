/** plan / deploy / pull against a Saviynt EIC, as library functions (see run.ts). */
export { deployTenants, EicSessions, mapBounded, planExitCode, planTenants, pullConnection, writeFields, type DeployOptions, type DeployReport, type DeployResult, type EicRunOptions, type PlanReport, type PullTarget, type TenantDeploy, type TenantPlan } from "./run.js";
export { checkAgainstPlan, desiredHashes, formatPlanFile, liveHash, parsePlanFile, PLAN_FORMAT, readPlanFile, PLAN_VERSION, type PlanAction, type PlanEntry, type PlanFile } from "./plan-file.js";
export { comparable, liveAttributes, livePackageZip, planLivePackage, readLivePackage, type LiveAttributes, type LivePackageOptions } from "./live.js";
export { formatDeploySummary, formatPlanMarkdown, formatPlanText, planReportJson, PLAN_REPORT_FORMAT, PLAN_REPORT_VERSION } from "./format.js";
