/** The hash worker of the self-contained executable: its source is an asset, run with eval (multi-hash.ts). */
import './install.js';
import '../hash/hash-worker.js';
