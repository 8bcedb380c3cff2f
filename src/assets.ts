/**
 * Where savpkg's own files are (templates/, schemas/, package.json). This module sits directly in
 * src/ on purpose: compiled it is dist/assets.js, bundled it is part of dist/cli.bundle.cjs, and in
 * tests it is src/assets.ts — one level below the package root in all three, so "../" is the root.
 */
export const PACKAGE_ROOT = new URL("../", import.meta.url);

export function assetUrl(relativePath: string): URL {
  return new URL(relativePath, PACKAGE_ROOT);
}
