#include "cache.h"
#include "config.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SLOTS 48
#define MAX_BYTES (3u << 20)
#define MAX_ENTRY (1u << 20)   /* /info on a long prompt history is ~0.6 MB */

struct slot {
	char *key;
	long long version, born, used;
	int ttl;
	struct cached c;
};

static struct slot slots[SLOTS];
static size_t total;
static long long tick;

static void drop(struct slot *s)
{
	if (!s->key)
		return;
	total -= s->c.body_len + strlen(s->c.head);
	if (s->c.file)
		unlink(s->c.file);
	free(s->c.file);
	free(s->key);
	free(s->c.head);
	free(s->c.body);
	memset(s, 0, sizeof *s);
}

void cache_clear(void)
{
	int i;

	for (i = 0; i < SLOTS; i++)
		drop(&slots[i]);
}

const struct cached *cache_find(const char *key, long long version, long long now_s)
{
	int i;

	for (i = 0; i < SLOTS; i++) {
		struct slot *s = &slots[i];

		if (!s->key || strcmp(s->key, key) != 0)
			continue;
		/* a body file removed behind our back (a tmp cleaner) would turn
		 * every hit into the server's 404: render afresh instead */
		if (s->version != version || (s->ttl && now_s - s->born >= s->ttl) ||
		    (s->c.file && access(s->c.file, F_OK) != 0)) {
			drop(s);
			return NULL;
		}
		s->used = ++tick;
		return &s->c;
	}
	return NULL;
}

static struct slot *victim(void)
{
	struct slot *v = &slots[0];
	int i;

	for (i = 0; i < SLOTS; i++) {
		if (!slots[i].key)
			return &slots[i];
		if (slots[i].used < v->used)
			v = &slots[i];
	}
	drop(v);
	return v;
}

static void evict_for(size_t need)
{
	while (total + need > MAX_BYTES) {
		struct slot *v = NULL;
		int i;

		for (i = 0; i < SLOTS; i++)
			if (slots[i].key && (!v || slots[i].used < v->used))
				v = &slots[i];
		if (!v)
			return;
		drop(v);
	}
}

/* Files left behind by responders that were killed (not stopped): removed
 * by the first responder that writes a file after them. */
static void sweep_dead(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[4096];
	long pid;

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		if (sscanf(e->d_name, "cloche-dash-%ld-", &pid) != 1 || pid <= 0)
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
}

/* With CLOCHE_DASH_SENDFILE_DIR set (and the server told to honour
 * X-Sendfile from us for that directory), a large cached body is kept as a
 * file there and hits are answered with headers only: the server then
 * sends the file itself, as it does a static file, instead of copying a
 * 100 KB body through the FastCGI socket (and, in lighttpd, through a
 * temporary file) on every request. Names carry our pid, so each
 * responder only ever removes its own files. Returns the path (caller
 * owns it) or NULL, and the body then stays in memory. */
static char *body_file(const char *body, size_t n)
{
	static unsigned long seq;
	const char *dir = cfg_get("CLOCHE_DASH_SENDFILE_DIR");
	char path[4096];
	int fd, ok;

	if (!dir || *dir != '/' || n < SENDFILE_MIN)
		return NULL;
	if (seq == 0) {
		mkdir(dir, 0755); /* the server reads it; the pages are no secret from it */
		sweep_dead(dir);
	}
	snprintf(path, sizeof path, "%s/cloche-dash-%ld-%lu.body", dir, (long)getpid(), ++seq);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return NULL;
	ok = write(fd, body, n) == (ssize_t)n;
	ok &= close(fd) == 0;
	if (!ok) {
		unlink(path);
		return NULL;
	}
	return strdup(path);
}

void cache_put(const char *key, long long version, long long now_s, int ttl,
	       int status, const char *head, const char *body, size_t body_len, const char *etag)
{
	size_t need = body_len + strlen(head);
	struct slot *s;

	if (need > MAX_ENTRY)
		return;
	cache_find(key, -1, now_s); /* drops a stale entry under this key */
	evict_for(need);
	s = victim();
	s->key = strdup(key);
	s->version = version;
	s->born = now_s;
	s->ttl = ttl;
	s->used = ++tick;
	s->c.status = status;
	s->c.head = strdup(head);
	s->c.file = body_file(body, body_len);
	if (!s->c.file) {
		s->c.body = malloc(body_len + 1);
		memcpy(s->c.body, body, body_len);
	}
	s->c.body_len = body_len;
	snprintf(s->c.etag, sizeof s->c.etag, "%s", etag);
	total += need;
}
