-- Protected Modules for Neovim 0.7+ (built-in LSP client). See editors/neovim/README.md.
--
-- * `*.logic` buffers get the filetype `logic` and the Protected Modules language server, one
--   server per environment (the outermost folder above the file with an `environment.json`:
--   environments do not nest, SPEC 4.1).
-- * `module-interface://…` and `modules://…` buffers (where go to definition and references of a
--   contractor land) are read through the server (LSP 3.18 `workspace/textDocumentContent`), never
--   from disk; they are read-only unless the server says the user may change them
--   (`protectedModules/access`), and written back with `protectedModules/writeFile`.
-- * `:ProtectedModulesUser <id>` sets the user (the `protectedModules.user` setting the server
--   pulls and is pushed on change); `:ProtectedModulesUser` alone shows the current one.
local M = {}

local api = vim.api

M.config = {
  -- The command that starts the server; default: `protected-modules-server` next to this plugin's
  -- repository (`dist/server.js`).
  cmd = nil,
  -- Who you are (a user id of environment.json); nil: the server's PROTECTED_MODULES_USER.
  user = nil,
  -- Milliseconds to wait for the server when reading a virtual buffer.
  timeout = 5000,
}

-- root folder -> client id
local clients = {}

local function plugin_root()
  local src = debug.getinfo(1, 'S').source:sub(2)
  -- …/editors/neovim/lua/protected_modules/init.lua -> repository root
  return vim.fn.fnamemodify(src, ':p:h:h:h:h:h')
end

-- The Node options every editor starts the server with: shared/protocol/serverProcess.ts
-- (SERVER_NODE_OPTIONS; test/neovim/server-options.test.ts checks that both say the same).
local SERVER_NODE_OPTIONS = { '--max-semi-space-size=4', '--v8-pool-size=1' }

local function default_cmd()
  local cmd = { 'node' }
  vim.list_extend(cmd, SERVER_NODE_OPTIONS)
  vim.list_extend(cmd, { plugin_root() .. '/dist/server.js', '--stdio' })
  return cmd
end

--- The environment folder of a path: the outermost ancestor holding environment.json.
function M.find_root(path)
  local dir = vim.fn.fnamemodify(path, ':p:h')
  local found = nil
  while true do
    if vim.fn.filereadable(dir .. '/environment.json') == 1 then found = dir end
    local parent = vim.fn.fnamemodify(dir, ':h')
    if parent == dir then return found end
    dir = parent
  end
end

local function settings()
  return { protectedModules = { user = M.config.user } }
end

--- The client of an environment folder, started when needed. Returns its id.
function M.client_for_root(root)
  local id = clients[root]
  if id and vim.lsp.get_client_by_id(id) then return id end
  id = vim.lsp.start_client({
    name = 'protected-modules',
    cmd = M.config.cmd or default_cmd(),
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = vim.fn.fnamemodify(root, ':t') } },
    -- Neovim 0.7 cannot answer `workspace/configuration` pulls: the user goes in as the
    -- initialization option (SPEC 4's first source) and later changes are pushed as settings
    -- (`workspace/didChangeConfiguration`), which the server takes over it.
    settings = settings(),
    init_options = M.config.user and { user = M.config.user } or vim.empty_dict(),
    handlers = {
      -- the server tells when access or modules change: virtual buffers are re-read
      ['protectedModules/didChangeAccess'] = function() M.refresh_virtual_buffers() end,
      ['protectedModules/didChangeModules'] = function() M.refresh_virtual_buffers() end,
    },
  })
  clients[root] = id
  return id
end

--- The client serving a `modules://` / `module-interface://` URI (its authority is the
--- environment folder's name).
local function client_for_uri(uri)
  local authority = uri:match('^[%w%-%.+]+://([^/]*)')
  if not authority then return nil end
  for root, id in pairs(clients) do
    local client = vim.lsp.get_client_by_id(id)
    if client and vim.fn.fnamemodify(root, ':t'):lower() == authority:lower() then return client end
  end
  return nil
end

local function wait_initialized(client)
  vim.wait(M.config.timeout, function() return client.initialized end, 20)
end

--- Attaches the environment's server to a `*.logic` buffer on disk.
function M.attach(bufnr)
  bufnr = bufnr or api.nvim_get_current_buf()
  local name = api.nvim_buf_get_name(bufnr)
  if name == '' or name:match('^[%w%-%.+]+://') then return end
  local root = M.find_root(name)
  if not root then return end
  vim.lsp.buf_attach_client(bufnr, M.client_for_root(root))
end

local function set_lines(bufnr, text)
  local lines = vim.split(text, '\n', true)
  if lines[#lines] == '' then table.remove(lines) end
  -- A re-read replaces the text of a read-only buffer: lift 'readonly' first, or Vim warns
  -- "W10: Changing a readonly file" (read_virtual sets it again).
  api.nvim_buf_set_option(bufnr, 'readonly', false)
  api.nvim_buf_set_option(bufnr, 'modifiable', true)
  api.nvim_buf_set_lines(bufnr, 0, -1, false, lines)
end

--- BufReadCmd of `modules://` and `module-interface://` buffers: the text from the server.
function M.read_virtual(bufnr, uri)
  local client = client_for_uri(uri)
  if not client then
    -- No server for that environment yet (nothing opened from it): nothing can be read.
    set_lines(bufnr, '// No Protected Modules environment serves ' .. uri .. ' (open a .logic file of it first).')
    api.nvim_buf_set_option(bufnr, 'modifiable', false)
    return
  end
  wait_initialized(client)
  local resp = client.request_sync('workspace/textDocumentContent', { uri = uri }, M.config.timeout, bufnr)
  local text
  if resp and resp.result then
    text = resp.result.text
  else
    local err = resp and resp.err
    text = '// ' .. ((err and err.message) or 'The server did not answer.')
  end
  set_lines(bufnr, text)
  api.nvim_buf_set_option(bufnr, 'buftype', 'acwrite')
  api.nvim_buf_set_option(bufnr, 'swapfile', false)
  api.nvim_buf_set_option(bufnr, 'filetype', 'logic')
  local access = client.request_sync('protectedModules/access', { uri = uri }, M.config.timeout, bufnr)
  local writable = access and access.result and access.result.canWrite and uri:match('^modules://') ~= nil
  api.nvim_buf_set_option(bufnr, 'modifiable', writable and true or false)
  api.nvim_buf_set_option(bufnr, 'readonly', not writable)
  api.nvim_buf_set_option(bufnr, 'modified', false)
  if resp and resp.result then vim.lsp.buf_attach_client(bufnr, client.id) end
end

--- BufWriteCmd of a writable `modules://` buffer: `protectedModules/writeFile`.
function M.write_virtual(bufnr, uri)
  local client = client_for_uri(uri)
  if not client then
    api.nvim_err_writeln('Protected Modules: no server for ' .. uri)
    return
  end
  local text = table.concat(api.nvim_buf_get_lines(bufnr, 0, -1, false), '\n') .. '\n'
  local resp = client.request_sync('protectedModules/writeFile', { uri = uri, text = text }, M.config.timeout, bufnr)
  if resp and resp.err then
    api.nvim_err_writeln('Protected Modules: ' .. resp.err.message)
    return
  end
  api.nvim_buf_set_option(bufnr, 'modified', false)
end

--- Re-reads every loaded virtual buffer without unsaved changes (after an access change).
function M.refresh_virtual_buffers()
  vim.schedule(function()
    for _, b in ipairs(api.nvim_list_bufs()) do
      local name = api.nvim_buf_get_name(b)
      if api.nvim_buf_is_loaded(b) and name:match('^modules?%-?[%w]*://') and not api.nvim_buf_get_option(b, 'modified') then
        M.read_virtual(b, name)
      end
    end
  end)
end

--- Sets the user of every running environment server (`:ProtectedModulesUser <id>`).
function M.set_user(user)
  if user == nil or user == '' then
    for _, id in pairs(clients) do
      local client = vim.lsp.get_client_by_id(id)
      if client then
        local r = client.request_sync('protectedModules/whoami', {}, M.config.timeout)
        local who = r and r.result
        print('Protected Modules user: ' .. ((who and who.user) or 'none') .. ((who and not who.known) and ' (not a known user)' or ''))
        return
      end
    end
    print('Protected Modules user: ' .. (M.config.user or 'none') .. ' (no server running)')
    return
  end
  if not user:match('^[a-z][a-z0-9._-]*$') then
    api.nvim_err_writeln('Protected Modules: not a user id: ' .. user)
    return
  end
  M.config.user = user
  for _, id in pairs(clients) do
    local client = vim.lsp.get_client_by_id(id)
    if client then
      client.config.settings = settings()
      client.notify('workspace/didChangeConfiguration', { settings = settings() })
    end
  end
end

--- Call once (e.g. from init.lua): `require('protected_modules').setup({ user = 'bob' })`.
function M.setup(opts)
  M.config = vim.tbl_extend('force', M.config, opts or {})
  local group = api.nvim_create_augroup('ProtectedModules', { clear = true })
  api.nvim_create_autocmd({ 'BufRead', 'BufNewFile' }, {
    group = group,
    pattern = '*.logic',
    callback = function(args)
      api.nvim_buf_set_option(args.buf, 'filetype', 'logic')
    end,
  })
  api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = 'logic',
    callback = function(args) M.attach(args.buf) end,
  })
  api.nvim_create_autocmd('BufReadCmd', {
    group = group,
    pattern = { 'module-interface://*', 'modules://*' },
    callback = function(args) M.read_virtual(args.buf, args.match) end,
  })
  api.nvim_create_autocmd('BufWriteCmd', {
    group = group,
    pattern = { 'modules://*' },
    callback = function(args) M.write_virtual(args.buf, args.match) end,
  })
  api.nvim_create_user_command('ProtectedModulesUser', function(cmd) M.set_user(cmd.args) end, { nargs = '?' })
  -- buffers opened before setup
  for _, b in ipairs(api.nvim_list_bufs()) do
    if api.nvim_buf_is_loaded(b) and api.nvim_buf_get_name(b):match('%.logic$') then
      api.nvim_buf_set_option(b, 'filetype', 'logic')
    end
  end
end

return M
