/** The command list, in the order --help shows them. */
import type { CommandModule } from 'yargs';
import { command as infoCmd } from './info.js';
import { command as mapCmd } from './map.js';
import { command as catCmd } from './cat.js';
import { command as lsCmd } from './ls.js';
import { command as statCmd } from './stat.js';
import { command as extractCmd } from './extract.js';
import { command as snapshotsCmd } from './snapshots.js';
import { command as convertCmd } from './convert.js';
import { command as hashCmd } from './hash.js';
import { command as verifyCmd } from './verify.js';
import { command as compareCmd } from './compare.js';
import { command as mountCmd } from './mount.js';
import { command as umountCmd } from './umount.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [infoCmd, mapCmd, catCmd, lsCmd, statCmd, extractCmd, snapshotsCmd, convertCmd, hashCmd, verifyCmd, compareCmd, mountCmd, umountCmd];
