#include "cache.h"
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#define SLOTS 48
#define MAX_BYTES (3u << 20)
#define MAX_ENTRY (512u << 10)

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
		if (s->version != version || (s->ttl && now_s - s->born >= s->ttl)) {
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
	s->c.body = malloc(body_len + 1);
	memcpy(s->c.body, body, body_len);
	s->c.body_len = body_len;
	snprintf(s->c.etag, sizeof s->c.etag, "%s", etag);
	total += need;
}
