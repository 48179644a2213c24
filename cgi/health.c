#include "health.h"
#include "config.h"
#include "daemon.h"
#include "grpc.h"
#include "json.h"
#include "store.h"
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define PROBE_MS 1000

/* store.h feature bits, in bit order. */
static const char *const feature_names[] = {
	"runs_pk", "attempt_id", "tasks", "attempts", "token_usage", "activity_log",
	"log_files", "container_kept", "project_dir", "task_id", "parent_run_id", "prev_attempt",
};

static void problem(struct json_object *problems, const char *fmt, const char *a, const char *b)
{
	char line[1200];

	snprintf(line, sizeof line, fmt, a, b);
	json_object_array_add(problems, jstr(line));
}

/* -wal/-shm owned by someone else than the database's owner break the
 * daemon's writes (store.md T1); report who owns what. */
static void sidecar_owner(struct json_object *o, struct json_object *problems, const char *db,
			  const char *suffix, const struct stat *dbst)
{
	char path[4200], key[32];
	struct stat st;

	snprintf(path, sizeof path, "%s%s", db, suffix);
	snprintf(key, sizeof key, "%s_owner_uid", suffix + 1);
	if (stat(path, &st) != 0)
		return;
	jadd_int(o, key, (long long)st.st_uid);
	if (st.st_uid != dbst->st_uid)
		problem(problems, "%s is not owned by the database's owner: the daemon's writes will fail (store.md T1)%s",
			path, "");
}

static struct json_object *store_part(struct json_object *problems)
{
	struct json_object *o = json_object_new_object(), *f = json_object_new_array();
	char path[4096];
	const char *source;
	struct store *s;
	struct stat st;
	size_t i;

	/* Owners before the open: SQLite running as root hands -wal/-shm
	 * back to the database's owner, which would hide the problem. */
	cfg_store_path(path, sizeof path, &source);
	if (stat(path, &st) == 0) {
		jadd_int(o, "owner_uid", (long long)st.st_uid);
		jadd_int(o, "reader_uid", (long long)geteuid());
		sidecar_owner(o, problems, path, "-wal", &st);
		sidecar_owner(o, problems, path, "-shm", &st);
	}
	s = store_get();
	jadd_str(o, "path", s->path);
	jadd_str(o, "source", s->source);
	jadd_str(o, "state", store_state_name(s->state));
	jadd_str_nonempty(o, "error", s->err);
	if (s->state == STORE_OK)
		jadd_str(o, "mode", s->immutable ? "immutable (no -wal: the daemon is not running)" : "read-only, WAL");
	else
		problem(problems, "store %s: %s", store_state_name(s->state), s->err);
	for (i = 0; i < sizeof feature_names / sizeof *feature_names; i++)
		if (s->state == STORE_OK && (s->features & (1u << i)))
			json_object_array_add(f, jstr(feature_names[i]));
	jadd(o, "features", f);
	return o;
}

static struct json_object *daemon_part(struct json_object *problems)
{
	struct json_object *o = json_object_new_object();
	char host[256], port[32], shown[300], version[128];
	struct daemon_err e;

	grpc_daemon_addr(host, sizeof host, port, sizeof port, shown, sizeof shown);
	jadd_str(o, "address", shown);
	if (daemon_get_version(version, sizeof version, PROBE_MS, &e) == 0) {
		jadd_bool(o, "answers", 1);
		jadd_str(o, "version", version);
	} else {
		jadd_bool(o, "answers", 0);
		jadd_str(o, "error", e.msg);
		problem(problems, "daemon: %s%s", e.msg, "");
	}
	return o;
}

/* Connects to ADDR (HOST:PORT, unix:PATH or /PATH) within PROBE_MS.
 * Returns NULL when something accepts, else why not. */
static const char *probe(const char *addr, char *why, size_t cap)
{
	struct addrinfo hints = {0}, *ai = NULL;
	struct sockaddr_un un = {0};
	struct pollfd pfd;
	const char *colon, *path = NULL;
	char host[256];
	int fd, rc, err = 0;
	socklen_t len = sizeof err;

	if (strncmp(addr, "unix:", 5) == 0)
		path = addr + 5;
	else if (addr[0] == '/')
		path = addr;
	if (path) {
		un.sun_family = AF_UNIX;
		snprintf(un.sun_path, sizeof un.sun_path, "%s", path);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		rc = fd < 0 ? -1 : connect(fd, (struct sockaddr *)&un, sizeof un);
		err = errno;
		if (fd >= 0)
			close(fd);
		if (rc == 0)
			return NULL;
		snprintf(why, cap, "cannot connect to %s: %s", path, strerror(err));
		return why;
	}
	colon = strrchr(addr, ':');
	if (!colon) {
		snprintf(why, cap, "not HOST:PORT or unix:PATH: %s", addr);
		return why;
	}
	snprintf(host, sizeof host, "%.*s", (int)(colon - addr), addr);
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(*host ? host : "127.0.0.1", colon + 1, &hints, &ai) != 0 || !ai) {
		snprintf(why, cap, "cannot resolve %s", addr);
		return why;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	rc = fd < 0 ? -1 : connect(fd, ai->ai_addr, ai->ai_addrlen);
	if (rc != 0 && fd >= 0 && errno == EINPROGRESS) {
		pfd.fd = fd;
		pfd.events = POLLOUT;
		rc = poll(&pfd, 1, PROBE_MS) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && !err ? 0 : -1;
		if (!err && rc != 0)
			err = ETIMEDOUT;
	} else if (rc != 0) {
		err = errno;
	}
	if (fd >= 0)
		close(fd);
	freeaddrinfo(ai);
	if (rc == 0)
		return NULL;
	snprintf(why, cap, "cannot connect to %s: %s", addr, strerror(err));
	return why;
}

static struct json_object *sse_part(struct json_object *problems)
{
	struct json_object *o = json_object_new_object();
	const char *addr = cfg_get("CLOCHE_DASH_SSE_ADDR");
	char why[600];

	if (!addr || !*addr) {
		jadd_str(o, "state", "not configured (set CLOCHE_DASH_SSE_ADDR to check the stream helper)");
		return o;
	}
	jadd_str(o, "address", addr);
	if (!probe(addr, why, sizeof why)) {
		jadd_str(o, "state", "up");
		return o;
	}
	jadd_str(o, "state", "down");
	jadd_str(o, "error", why);
	problem(problems, "stream helper: %s%s", why, "");
	return o;
}

struct json_object *health_report(int *ok)
{
	struct json_object *o = json_object_new_object(), *problems = json_object_new_array();

	jadd_str(o, "version", DASH_VERSION);
	jadd(o, "store", store_part(problems));
	jadd(o, "daemon", daemon_part(problems));
	jadd(o, "stream_helper", sse_part(problems));
	*ok = json_object_array_length(problems) == 0;
	jadd_bool(o, "ok", *ok);
	jadd(o, "problems", problems);
	return o;
}
