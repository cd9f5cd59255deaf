/**
 * A fuzz target: one parser (format), its seeds, and the real code path a
 * user's command takes through it. Targets live one per file in
 * test/fuzz/targets/ and are listed in targets/index.ts; a new reader plugs
 * in by adding a file there.
 *
 * A case is (format, seed, index): `mutate` derives the damaged input from
 * the case's PRNG alone, `exercise` runs it. `exercise` resolves when the
 * input read as data and throws a VmfskitError when it was refused; anything
 * else it throws (or a hang, or a blow-up) is a finding.
 */
import type { Rng } from './mutate.js';

export interface Fixture<I> {
  /** The damaged input of one case. */
  mutate(r: Rng): I;
  /** Run the real code path on it; `dir` is a scratch folder of this worker (tmpfs when there is one). */
  exercise(input: I, dir: string): Promise<Outcome | void>;
  /** What the mutation did, one line (for a failing case's report). */
  describe(input: I): string;
  /** Write the input's files into `dir` (to reproduce a finding by hand with the CLI). */
  save?(input: I, dir: string): string[];
}

/** Extra facts about a case that read as data. */
export interface Outcome {
  /** The input opened as plain bytes (not recognised as the format at all). */
  container?: boolean;
}

export interface FuzzTarget<I = unknown> {
  /** `--format` name. */
  readonly name: string;
  readonly about: string;
  /**
   * Expensive one-time preparation done once per run in the parent (gunzip a real image, build a
   * volume, find its metadata); the result (JSON) is handed to `setup` in every worker.
   */
  shared?(cache: string): Promise<unknown>;
  /** Build the fixture in a worker (load seeds). */
  setup(shared: unknown, cache: string): Promise<Fixture<I>>;
}
