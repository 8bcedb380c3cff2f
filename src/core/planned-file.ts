/** A file a library function plans and build/emit.ts writes: the one hand-over between planning and writing. */
export interface PlannedFile {
  path: string;
  bytes: Uint8Array;
  /** File mode; 0o644 unless the file holds secrets (0o600). */
  mode?: number;
}
