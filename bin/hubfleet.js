#!/usr/bin/env node
// Entry point of the published CLI: the compiled TypeScript lives in dist/.
import { main } from "../dist/cli/main.js";

process.exitCode = await main(process.argv.slice(2));
