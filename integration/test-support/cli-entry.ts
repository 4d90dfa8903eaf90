// `node --import <ts loader> cli-entry.ts gateway ...`: the ciralab CLI run from the TypeScript
// sources, as bin/ciralab.js runs it from dist/, so the tests need no build. node:cluster forks
// its workers with this same entry and loader.
import { main } from '../../cli/main.js'

process.exitCode = await main(process.argv.slice(2), process.env)
