/**
 * Entry of the self-contained executable (npm run package -> release/vmfskit-linux-x64): the
 * CLI bundled into one CommonJS file by esbuild and run by a Node single executable application.
 * It tells the CLI where the things that are files in a checkout come from (src/embedded.ts):
 * the addons and the hash worker are SEA assets. scripts/package.mjs builds it.
 */
import './install.js';
import { main } from '../cli/main.js';

void main(process.argv.slice(2));
