/**
 * Volume writes routed through the physical extents (VMFS-5 and VMFS-6
 * builders): volume offset L of the PE run [start, end) lands at device byte
 * `base + (L − start)` of that run's image; a write may cross from one
 * device's PEs into the next one's.
 */
export interface PeRun {
  start: number;
  end: number;
  /** Image byte where the run's volume offset `start` lives (partition offset + LVM data offset). */
  base: number;
  image: { write(offset: number, data: Buffer): void };
}

export function writeThroughPes(runs: readonly PeRun[], offset: number, data: Buffer): void {
  for (let done = 0; done < data.length; ) {
    const at = offset + done;
    const r = runs.find((x) => at >= x.start && at < x.end);
    if (!r) throw new Error(`volume offset ${at} outside every PE`);
    const n = Math.min(data.length - done, r.end - at);
    r.image.write(r.base + (at - r.start), data.subarray(done, done + n));
    done += n;
  }
}
