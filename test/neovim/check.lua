-- Driven by test/neovim/neovim.test.ts: nvim --headless with the plugin of editors/neovim, as bob,
-- in a copy of examples/acme. Writes what it saw as JSON to $PM_NVIM_OUT, then quits.
local out_path = os.getenv('PM_NVIM_OUT')
local root = os.getenv('PM_NVIM_ROOT')
local results = { steps = {} }

local function save()
  local f = io.open(out_path, 'w')
  f:write(vim.fn.json_encode(results))
  f:close()
end

local function step(name, fn)
  local ok, value = pcall(fn)
  results.steps[#results.steps + 1] = { name = name, ok = ok, value = ok and value or tostring(value) }
  save()
end

local pm = require('protected_modules')
-- The plugin's own server command (default_cmd: node with the shared options, then dist/server.js).
pm.setup({ user = 'bob' })

local page = root .. '/modules/order-portal/screens/NewOrder.logic'
vim.cmd('edit ' .. vim.fn.fnameescape(page))
local buf = vim.api.nvim_get_current_buf()

local client
step('attach', function()
  assert(vim.wait(20000, function()
    local cs = vim.lsp.buf_get_clients(buf)
    for _, c in pairs(cs) do
      if c.initialized then client = c return true end
    end
    return false
  end, 50), 'no initialized client attached to the .logic buffer')
  return { name = client.name, filetype = vim.bo[buf].filetype }
end)

local function pos_after(needle, shift)
  local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  for i, l in ipairs(lines) do
    local s = l:find(needle, 1, true)
    if s then return { line = i - 1, character = s - 1 + (shift or #needle) } end
  end
  error('not found: ' .. needle)
end

local function request(method, params, bufnr)
  local r = client.request_sync(method, params, 20000, bufnr or buf)
  assert(r, method .. ': no answer')
  assert(not r.err, method .. ': ' .. vim.inspect(r.err))
  return r.result
end

local tdoc = { uri = vim.uri_from_bufnr(buf) }

step('whoami', function() return request('protectedModules/whoami', {}).user end)

step('completion', function()
  local r = request('textDocument/completion', { textDocument = tdoc, position = pos_after('OrderAPI.CreateOrder(', #'OrderAPI.') })
  local items = r.items or r
  local labels = {}
  for _, it in ipairs(items) do labels[#labels + 1] = it.label end
  return labels
end)

local at = pos_after('OrderAPI.CreateOrder(', #'OrderAPI.Cr')

step('hover', function()
  local r = request('textDocument/hover', { textDocument = tdoc, position = at })
  local c = r.contents
  return type(c) == 'table' and (c.value or vim.inspect(c)) or tostring(c)
end)

local iface_buf

step('definition', function()
  local r = request('textDocument/definition', { textDocument = tdoc, position = at })
  local loc = r[1] or r
  vim.lsp.util.jump_to_location(loc, 'utf-16')
  local b = vim.api.nvim_get_current_buf()
  iface_buf = b
  local line = vim.api.nvim_win_get_cursor(0)[1]
  return {
    uri = loc.uri,
    buffer = vim.api.nvim_buf_get_name(b),
    first = vim.api.nvim_buf_get_lines(b, 0, 1, false)[1],
    at = vim.api.nvim_buf_get_lines(b, line - 1, line, false)[1],
    modifiable = vim.bo[b].modifiable,
    readonly = vim.bo[b].readonly,
    attached = #vim.tbl_keys(vim.lsp.buf_get_clients(b)) > 0,
  }
end)

vim.cmd('buffer ' .. buf)

step('references', function()
  local r = request('textDocument/references', { textDocument = tdoc, position = at, context = { includeDeclaration = true } })
  local items = vim.lsp.util.locations_to_items(r, 'utf-16')
  local out = {}
  for _, it in ipairs(items) do out[#out + 1] = { file = it.filename, text = it.text } end
  return out
end)

step('not-a-dependency after module.json changes on disk', function()
  local manifest = root .. '/modules/order-portal/module.json'
  local f = io.open(manifest, 'r')
  local text = f:read('*a')
  f:close()
  local changed = text:gsub('"OrderAPI":%s*"[^"]*",?', '', 1)
  assert(changed ~= text, 'module.json unchanged')
  local tick = iface_buf and vim.api.nvim_buf_get_changedtick(iface_buf)
  f = io.open(manifest, 'w')
  f:write(changed)
  f:close()
  local codes = {}
  local ok = vim.wait(20000, function()
    codes = {}
    for _, d in ipairs(vim.diagnostic.get(buf)) do codes[#codes + 1] = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code) end
    return vim.tbl_contains(codes, 'not-a-dependency')
  end, 50)
  assert(ok, 'diagnostics did not refresh: ' .. vim.inspect(codes))
  -- The read-only interface buffer is re-read too, without Vim's "W10: Changing a readonly file".
  assert(iface_buf, 'no interface buffer from the definition step')
  assert(vim.wait(20000, function() return vim.api.nvim_buf_get_changedtick(iface_buf) > tick end, 50), 'the interface buffer was not re-read')
  local messages = vim.fn.execute('messages')
  assert(not messages:find('W10'), 're-reading a read-only buffer warned: ' .. messages)
  assert(vim.bo[iface_buf].readonly, 'the interface buffer is read-only again after the re-read')
  return codes
end)

step('ProtectedModulesUser', function()
  vim.cmd('ProtectedModulesUser alice')
  local who
  assert(vim.wait(10000, function()
    who = request('protectedModules/whoami', {}).user
    return who == 'alice'
  end, 100), 'still ' .. tostring(who))
  return who
end)

results.done = true
save()
vim.cmd('qa!')
