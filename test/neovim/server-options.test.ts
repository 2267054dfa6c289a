// The Neovim glue starts the server with the same Node options as the VS Code client and the
// benchmark (shared/protocol/serverProcess.ts): the Lua file repeats them, this checks they agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SERVER_NODE_OPTIONS } from '../../shared/protocol/serverProcess';
import { REPO } from '../server/lsp-client';

test("the Neovim plugin's server command has the shared Node options, before the script", () => {
  const lua = fs.readFileSync(path.join(REPO, 'editors/neovim/lua/protected_modules/init.lua'), 'utf8');
  const m = /local SERVER_NODE_OPTIONS = \{([^}]*)\}/.exec(lua);
  assert.ok(m, 'init.lua declares SERVER_NODE_OPTIONS');
  const options = [...m[1].matchAll(/'([^']*)'/g)].map((x) => x[1]);
  assert.deepEqual(options, [...SERVER_NODE_OPTIONS]);
  // …and default_cmd puts them between `node` and the script.
  assert.match(
    lua,
    /local cmd = \{ 'node' \}\s*\n\s*vim\.list_extend\(cmd, SERVER_NODE_OPTIONS\)\s*\n\s*vim\.list_extend\(cmd, \{ plugin_root\(\) \.\. '\/dist\/server\.js', '--stdio' \}\)/,
  );
});
