-- Who may reach which user's dashboard behind lighttpd (mod_magnet, Debian
-- package lighttpd-modules-lua). Two jobs, one decision (the authenticated
-- REMOTE_USER against a user name), both at the physical-path stage
-- (magnet.attract-physical-path-to), that is after mod_auth has checked
-- the password and set REMOTE_USER; lighttpd 1.4.69 runs that stage for
-- requests mod_proxy handles too (tests/multiuser/run.sh shows it).
--
-- 1. /~OWNER/cloche/.../stream (set in lighttpd-user.conf.in's stream
--    block): the owner fence. The stream helper gets plain HTTP from
--    mod_proxy, with no REMOTE_USER and no owner check of its own, so
--    anyone but OWNER gets 403 here (mod_auth's "require user=" would say
--    401, which browsers take as "log in again").
-- 2. /cloche/... (lighttpd.conf.in): one mount for everybody. The request
--    is rerouted inside lighttpd to /~USER/cloche/... for the authenticated
--    USER, whose block passes it to USER's own sockets. lighttpd cannot
--    pick a backend by REMOTE_USER in its config language; a restart with
--    the rewritten path makes the per-user block match instead.
-- SOCK_ROOT below is filled in when the file is installed/rendered.
local sock_root = "@SOCK_ROOT@"
local r = lighty.r
local path = r.req_attr["uri.path"]
local user = r.req_env["REMOTE_USER"]

local owner = path:match("^/~([^/]+)/cloche/")
if owner then
	-- Fail closed: no authenticated name (auth missing from the config)
	-- is refused too.
	if not user or user == "" or user ~= owner then return 403 end
	return 0
end

local rest = path:match("^/cloche(/.*)$")
if path == "/cloche" then rest = "/" end
if not rest then return 0 end

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
