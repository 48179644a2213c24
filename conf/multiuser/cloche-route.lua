-- One /cloche/ mount for everybody behind lighttpd (mod_magnet, Debian
-- package lighttpd-modules-lua): the authenticated user's request is
-- rerouted inside lighttpd to /~USER/cloche/..., whose block in
-- lighttpd-user.conf.in passes it to USER's own socket. lighttpd cannot
-- pick a FastCGI socket by REMOTE_USER in its config language; a restart
-- with the rewritten path makes the per-user block match instead.
--
-- Runs at the physical-path stage (magnet.attract-physical-path-to), that
-- is after mod_auth has checked the password and set REMOTE_USER.
-- SOCK_ROOT below is filled in when the file is installed/rendered.
local sock_root = "@SOCK_ROOT@"
local r = lighty.r
local path = r.req_attr["uri.path"]
local rest = path:match("^/cloche(/.*)$")
if path == "/cloche" then rest = "/" end
if not rest then return 0 end

local user = r.req_env["REMOTE_USER"]
if not user or user == "" then return 401 end
-- The name becomes part of a path: only Unix-style user names pass.
if not user:match("^[a-z_][a-z0-9_-]*$") then return 403 end
-- A user without a dashboard (no socket) is refused, not sent to a 404.
if not lighty.c.stat(sock_root .. "/" .. user .. "/dash.sock") then return 403 end
-- The raw target (query string included) must start with the same
-- "/cloche" the decoded path did; anything encoded differently is refused.
local target = r.req_attr["request.uri"]
local tail = target:match("^/cloche([/?].*)$")
if target == "/cloche" then tail = "" end
if not tail then return 400 end
r.req_attr["request.uri"] = "/~" .. user .. "/cloche" .. tail
-- At this stage lighttpd restarts only a request without a physical path.
r.req_attr["physical.path"] = nil
return lighty.RESTART_REQUEST
