/**
 * The Protected Modules language server (SPEC 4), bundled to `dist/server.js`: one server over
 * one connection (see `languageServer.ts`).
 *
 * Start: `node dist/server.js --stdio` (or `--node-ipc`, `--socket=N`; vscode-languageserver picks
 * the transport from the arguments).
 */
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startLanguageServer } from './languageServer';
import { describeForLog } from './errors';

process.on('uncaughtException', (e) => {
  // Never the message: it may hold a path or file content.
  process.stderr.write(`protected-modules server: uncaught ${describeForLog(e)}\n`);
});
process.on('unhandledRejection', (e) => {
  process.stderr.write(`protected-modules server: unhandled rejection ${describeForLog(e)}\n`);
});

startLanguageServer(createConnection(ProposedFeatures.all));
