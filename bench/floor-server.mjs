/**
 * The transport floor of the benchmark (issue 15): a language server that does nothing, answering
 * every hover at once with the same short text. The benchmark times it over the same client, pipes
 * and Node as the real servers, in the same run, so that a latency can be read against what this
 * machine costs for a request and its answer alone.
 *
 *   node bench/floor-server.mjs --stdio
 */
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';

const connection = createConnection(ProposedFeatures.all);
connection.onInitialize(() => ({ capabilities: { hoverProvider: true } }));
connection.onHover(() => ({ contents: { kind: 'markdown', value: '`floor`' } }));
connection.listen();
