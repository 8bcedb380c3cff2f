// yargs 18 ships ESM without type declarations for its main entry; the CLI uses a small, typed
// surface of it (src/cli.ts), so a loose declaration is enough here.
declare module "yargs" {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const yargs: (args?: readonly string[]) => any;
  export default yargs;
}
declare module "yargs/helpers" {
  export function hideBin(argv: readonly string[]): string[];
}
