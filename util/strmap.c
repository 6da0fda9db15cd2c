/* Open-addressing string map (linear probing, FNV-1a); see strmap.h. */
#include "util/strmap.h"
#include "util/xalloc.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

void strmap_init(struct strmap *m)
{
	memset(m, 0, sizeof(*m));
}

void strmap_dispose(struct strmap *m)
{
	free(m->slots);
	strmap_init(m);
}

static size_t find_slot(const struct strmap_slot *slots, size_t cap, const char *key)
{
	size_t i = (size_t)hash(key) & (cap - 1);
	while (slots[i].key && strcmp(slots[i].key, key) != 0)
		i = (i + 1) & (cap - 1);
	return i;
}

static void grow(struct strmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64;
	struct strmap_slot *slots = xcalloc(cap, sizeof(*slots));
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].key)
			slots[find_slot(slots, cap, m->slots[i].key)] = m->slots[i];
	free(m->slots);
	m->slots = slots;
	m->cap = cap;
}

size_t strmap_put(struct strmap *m, const char *key, size_t val)
{
	if ((m->n + 1) * 2 > m->cap)
		grow(m);
	size_t i = find_slot(m->slots, m->cap, key);
	size_t old = STRMAP_NONE;
	if (m->slots[i].key)
		old = m->slots[i].val;
	else
		m->n++;
	m->slots[i].key = key;
	m->slots[i].val = val;
	return old;
}

size_t strmap_get(const struct strmap *m, const char *key)
{
	if (!m->cap)
		return STRMAP_NONE;
	size_t i = find_slot(m->slots, m->cap, key);
	return m->slots[i].key ? m->slots[i].val : STRMAP_NONE;
}

size_t strmap_del(struct strmap *m, const char *key)
{
	if (!m->cap)
		return STRMAP_NONE;
	size_t i = find_slot(m->slots, m->cap, key);
	if (!m->slots[i].key)
		return STRMAP_NONE;
	size_t val = m->slots[i].val;
	/* Backward-shift deletion: move later members of the probe run into the
	 * hole when their home slot does not lie between the hole and them. */
	size_t hole = i, j = i;
	for (;;) {
		j = (j + 1) & (m->cap - 1);
		if (!m->slots[j].key)
			break;
		size_t home = (size_t)hash(m->slots[j].key) & (m->cap - 1);
		bool between = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
		if (!between) {
			m->slots[hole] = m->slots[j];
			hole = j;
		}
	}
	m->slots[hole].key = NULL;
	m->slots[hole].val = 0;
	m->n--;
	return val;
}
