#!/usr/bin/env node
import { runCli } from './program.js';

const code = await runCli(process.argv.slice(2));
// Let stdout drain, then leave even if a library left a handle open.
process.stdout.write('', () => process.exit(code));
