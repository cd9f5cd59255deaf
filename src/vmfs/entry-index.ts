/**
 * Name lookup in a decoded directory: the first entry of that name, as a
 * scan from the start finds it, through an index built once per decoded
 * entry list. A linear scan per lookup made opening each file of a folder of
 * 10 000 cost 10 000 comparisons (hash -r, the mount: O(n²) per folder).
 */
const indexes = new WeakMap<readonly { name: string }[], Map<string, number>>();

/** Lists shorter than this are scanned: building a Map costs more than it saves. */
const SCAN_BELOW = 32;

export function findEntry<E extends { name: string }>(entries: readonly E[], name: string): E | undefined {
  if (entries.length < SCAN_BELOW) return entries.find((x) => x.name === name);
  let index = indexes.get(entries);
  if (!index) {
    index = new Map();
    // The first of duplicate names wins, as with a scan.
    for (let i = entries.length - 1; i >= 0; i--) index.set(entries[i]!.name, i);
    indexes.set(entries, index);
  }
  const i = index.get(name);
  return i === undefined ? undefined : entries[i];
}
