/**
 * How an editor starts the language server over stdio: `node <SERVER_NODE_OPTIONS…> dist/server.js
 * --stdio`. The VS Code client (client/languageClient.ts), the Neovim glue
 * (editors/neovim/lua/protected_modules/init.lua, which repeats the options: a test compares them)
 * and the benchmark (bench/run.ts: "started exactly as an editor starts it") use these options.
 *
 * `--max-semi-space-size=4` (MB): V8's young generation grows to 16 MB per semi-space by default;
 * a scavenge copies what survives, so a full 16 MB space paused the server for 10–20 ms, and a
 * request that arrived then waited for it (issue 15, BENCHMARKS.md). Smaller spaces collect more
 * often with short pauses, and the server's resident memory is about 12 MB lower. It is a V8
 * option: Node and Electron's Node mode (`ELECTRON_RUN_AS_NODE`) accept it on the command line,
 * before the script, as VS Code passes `--max-old-space-size` to tsserver.
 *
 * `--v8-pool-size=1`: one thread for V8's background work (concurrent marking, optimising
 * compiles) instead of one per core. On a two-core machine the default pool took the core the
 * editor (or the benchmark's client) needed while the server warmed up after its first
 * diagnostics, and an answer already written waited for the client to be scheduled; with one
 * thread the cold start at the large size fell from about 700 to 620 ms and completion p95 from
 * 4.5–5.4 to 2.8–3.6 ms (three alternating runs each, BENCHMARKS.md). A Node option: as Electron's
 * source reads (shell/app/node_main.cc), its Node mode (desktop VS Code) parses Node's options but
 * creates its own V8 platform, so there it is accepted and most likely changes nothing — not
 * measured here, where the real VS Code is code-server on Node, where it applies (as in Neovim and
 * the benchmark).
 */
export const SERVER_NODE_OPTIONS: readonly string[] = ['--max-semi-space-size=4', '--v8-pool-size=1'];
