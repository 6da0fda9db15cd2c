/* Build a position-carrying tree from libyaml events; see yamltree.h. */
#include "schema/yamltree.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/strmap.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* Aliases are expanded by copying; cap the total, in nodes and in bytes, so
 * that an alias bomb ("billion laughs", or a few aliases of one long string) is
 * an error instead of an allocation storm. */
#define MAX_NODES 2000000
#define MAX_BYTES (64u << 20)
/* Nodes nest by recursion here; a configuration needs about ten levels. */
#define MAX_DEPTH 256

struct anchor {
	char *name;
	struct ynode *node;
};

struct loader {
	yaml_parser_t parser;
	const char *name;
	const char *data; /* the input, to place reader errors (given as offsets) */
	size_t len;
	struct yerror *err; /* where the first problem is, for the caller */
	struct anchor *anchors;
	size_t nanchors, anchors_alloc;
	size_t nodes;
	size_t bytes; /* what the tree holds, aliases expanded */
	int depth;
	bool failed;
};

static struct ynode *node_new(struct loader *l, enum ynode_kind kind, yaml_mark_t m)
{
	struct ynode *n = xcalloc(1, sizeof(*n));
	n->kind = kind;
	n->line = (int)m.line + 1;
	n->col = (int)m.column + 1;
	l->nodes++;
	l->bytes += sizeof(*n);
	return n;
}

void ytree_free(struct ynode *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++) {
		ytree_free(n->items[i]);
		if (n->keys)
			ytree_free(n->keys[i]);
	}
	free(n->items);
	free(n->keys);
	free(n->text);
	free(n);
}

static struct ynode *node_copy(struct loader *l, const struct ynode *src)
{
	size_t cost = sizeof(*src) + (src->text ? strlen(src->text) + 1 : 0) +
		      src->n * 2 * sizeof(src->items[0]);
	if (l->nodes > MAX_NODES || l->bytes > MAX_BYTES || cost > MAX_BYTES - l->bytes)
		return NULL;
	struct ynode *n = xcalloc(1, sizeof(*n));
	*n = *src;
	l->nodes++;
	l->bytes += cost;
	n->text = src->text ? xstrdup(src->text) : NULL;
	n->items = src->n ? xcalloc(src->n, sizeof(*n->items)) : NULL;
	n->keys = src->keys ? xcalloc(src->n ? src->n : 1, sizeof(*n->keys)) : NULL;
	for (size_t i = 0; i < src->n; i++) {
		n->items[i] = node_copy(l, src->items[i]);
		if (src->keys)
			n->keys[i] = node_copy(l, src->keys[i]);
		if (!n->items[i] || (src->keys && !n->keys[i])) {
			n->n = i + 1;
			ytree_free(n);
			return NULL;
		}
	}
	return n;
}

/* The problem, as "name:line:col: what" in err, and in parts for the caller. */
static void record(struct loader *l, size_t line, size_t col, const char *what)
{
	err_set("%s:%zu:%zu: %s", l->name, line, col, what);
	if (l->err) {
		l->err->line = (int)line;
		l->err->col = (int)col;
		snprintf(l->err->msg, sizeof(l->err->msg), "%s", what);
	}
	l->failed = true;
}

static void fail_at(struct loader *l, yaml_mark_t m, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail_at(struct loader *l, yaml_mark_t m, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	record(l, m.line + 1, m.column + 1, b.ptr);
	buf_dispose(&b);
}

static bool next_event(struct loader *l, yaml_event_t *ev)
{
	if (yaml_parser_parse(&l->parser, ev))
		return true;
	yaml_mark_t m = l->parser.problem_mark;
	const char *problem = l->parser.problem ? l->parser.problem : "malformed YAML";
	struct buf b = BUF_INIT;
	if (l->parser.error == YAML_READER_ERROR) {
		/* The reader reports a byte offset, not a mark: place it ourselves. */
		size_t off = l->parser.problem_offset < l->len ? l->parser.problem_offset : l->len;
		size_t line = 1, col = 1;
		for (size_t i = 0; i < off; i++) {
			unsigned char c = (unsigned char)l->data[i];
			if (c == '\n') {
				line++;
				col = 1;
			} else if ((c & 0xC0) != 0x80) {
				col++;
			}
		}
		buf_printf(&b,
			   "%s (byte 0x%02x at offset %zu); the file must be UTF-8 text "
			   "without NUL or control characters",
			   problem, (unsigned)l->parser.problem_value & 0xff, off);
		record(l, line, col, b.ptr);
		buf_dispose(&b);
		return false;
	}
	buf_printf(&b, "malformed YAML: %s", problem);
	if (l->parser.context)
		buf_printf(&b, " (%s at line %zu)", l->parser.context,
			   l->parser.context_mark.line + 1);
	buf_puts(&b, "; check indentation, quoting and that tabs are not used for indenting");
	record(l, m.line + 1, m.column + 1, b.ptr);
	buf_dispose(&b);
	return false;
}

static void remember_anchor(struct loader *l, const yaml_char_t *anchor, struct ynode *n)
{
	if (!anchor)
		return;
	ARRAY_GROW(l->anchors, l->nanchors + 1, l->anchors_alloc);
	l->anchors[l->nanchors].name = xstrdup((const char *)anchor);
	l->anchors[l->nanchors].node = n;
	l->nanchors++;
}

static struct ynode *parse_node(struct loader *l, yaml_event_t *ev);
static struct ynode *parse_node_at(struct loader *l, yaml_event_t *ev);

static struct ynode *parse_seq(struct loader *l, yaml_event_t *start)
{
	struct ynode *seq = node_new(l, YNODE_SEQ, start->start_mark);
	size_t alloc = 0;
	remember_anchor(l, start->data.sequence_start.anchor, seq);
	for (;;) {
		yaml_event_t ev;
		if (!next_event(l, &ev))
			goto fail;
		if (ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			return seq;
		}
		struct ynode *item = parse_node(l, &ev);
		yaml_event_delete(&ev);
		if (!item)
			goto fail;
		ARRAY_GROW(seq->items, seq->n + 1, alloc);
		seq->items[seq->n++] = item;
	}
fail:
	ytree_free(seq);
	return NULL;
}

static struct ynode *parse_map(struct loader *l, yaml_event_t *start)
{
	struct ynode *map = node_new(l, YNODE_MAP, start->start_mark);
	size_t alloc = 0, kalloc = 0;
	struct strmap seen; /* key text -> index, for duplicates in linear time */
	strmap_init(&seen);
	remember_anchor(l, start->data.mapping_start.anchor, map);
	map->keys = xcalloc(1, sizeof(*map->keys));
	for (;;) {
		yaml_event_t ev;
		if (!next_event(l, &ev))
			goto fail;
		if (ev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&ev);
			strmap_dispose(&seen);
			return map;
		}
		yaml_mark_t kmark = ev.start_mark;
		struct ynode *key = parse_node(l, &ev);
		yaml_event_delete(&ev);
		if (!key)
			goto fail;
		if (key->kind != YNODE_SCALAR) {
			ytree_free(key);
			fail_at(l, kmark, "%s",
				"a mapping key must be a plain name, not a list or map");
			goto fail;
		}
		size_t first = strmap_get(&seen, key->text);
		if (first != STRMAP_NONE) {
			fail_at(l, kmark,
				"duplicate key \"%s\" (first at line %d); remove one of them",
				key->text, map->keys[first]->line);
			ytree_free(key);
			goto fail;
		}
		if (!next_event(l, &ev)) {
			ytree_free(key);
			goto fail;
		}
		struct ynode *val = parse_node(l, &ev);
		yaml_event_delete(&ev);
		if (!val) {
			ytree_free(key);
			goto fail;
		}
		ARRAY_GROW(map->keys, map->n + 1, kalloc);
		ARRAY_GROW(map->items, map->n + 1, alloc);
		map->keys[map->n] = key;
		map->items[map->n] = val;
		strmap_put(&seen, key->text, map->n);
		map->n++;
	}
fail:
	strmap_dispose(&seen);
	ytree_free(map);
	return NULL;
}

static struct ynode *parse_node(struct loader *l, yaml_event_t *ev)
{
	if ((ev->type == YAML_SEQUENCE_START_EVENT || ev->type == YAML_MAPPING_START_EVENT) &&
	    l->depth >= MAX_DEPTH) {
		fail_at(l, ev->start_mark,
			"lists and mappings nest more than %d levels deep; "
			"flatten the structure",
			MAX_DEPTH);
		return NULL;
	}
	struct ynode *n;
	l->depth++;
	n = parse_node_at(l, ev);
	l->depth--;
	return n;
}

static struct ynode *parse_node_at(struct loader *l, yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_SCALAR_EVENT: {
		if (l->bytes > MAX_BYTES || ev->data.scalar.length > MAX_BYTES - l->bytes) {
			fail_at(l, ev->start_mark,
				"the document expands to more than %u MiB; "
				"write it out smaller",
				MAX_BYTES >> 20);
			return NULL;
		}
		struct ynode *n = node_new(l, YNODE_SCALAR, ev->start_mark);
		n->text = xstrndup((const char *)ev->data.scalar.value, ev->data.scalar.length);
		l->bytes += ev->data.scalar.length + 1;
		if (strlen(n->text) != ev->data.scalar.length) {
			fail_at(l, ev->start_mark, "%s", "a value contains a NUL character");
			ytree_free(n);
			return NULL;
		}
		n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		remember_anchor(l, ev->data.scalar.anchor, n);
		return n;
	}
	case YAML_SEQUENCE_START_EVENT:
		return parse_seq(l, ev);
	case YAML_MAPPING_START_EVENT:
		return parse_map(l, ev);
	case YAML_ALIAS_EVENT: {
		const char *name = (const char *)ev->data.alias.anchor;
		for (size_t i = l->nanchors; i-- > 0;) {
			if (strcmp(l->anchors[i].name, name) == 0) {
				struct ynode *n = node_copy(l, l->anchors[i].node);
				if (!n)
					fail_at(l, ev->start_mark,
						"aliases expand to too many nodes or "
						"bytes (limit %u MiB); write the values "
						"out instead",
						MAX_BYTES >> 20);
				return n;
			}
		}
		fail_at(l, ev->start_mark, "alias *%s refers to no anchor defined before it", name);
		return NULL;
	}
	default:
		fail_at(l, ev->start_mark, "%s", "unexpected YAML structure");
		return NULL;
	}
}

struct ynode *ytree_load_buffer(const char *name, const char *data, size_t len)
{
	return ytree_parse(name, data, len, NULL);
}

struct ynode *ytree_parse(const char *name, const char *data, size_t len, struct yerror *err)
{
	struct loader l = {.name = name, .data = data, .len = len, .err = err};
	struct ynode *root = NULL;
	yaml_event_t ev;
	int docs = 0;

	if (!yaml_parser_initialize(&l.parser)) {
		err_set("%s: cannot initialise the YAML parser", name);
		return NULL;
	}
	yaml_parser_set_input_string(&l.parser, (const unsigned char *)data, len);
	for (;;) {
		if (!next_event(&l, &ev))
			goto fail;
		yaml_event_type_t t = ev.type;
		if (t == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		if (t == YAML_DOCUMENT_START_EVENT && ++docs > 1) {
			fail_at(&l, ev.start_mark, "%s",
				"more than one YAML document (---); keep one document per file");
			yaml_event_delete(&ev);
			goto fail;
		}
		if (t == YAML_SCALAR_EVENT || t == YAML_SEQUENCE_START_EVENT ||
		    t == YAML_MAPPING_START_EVENT || t == YAML_ALIAS_EVENT) {
			root = parse_node(&l, &ev);
			yaml_event_delete(&ev);
			if (!root)
				goto fail;
			continue;
		}
		yaml_event_delete(&ev);
	}
	if (!root) {
		record(&l, 0, 0, "the file is empty; start from an example in examples/");
		err_set("%s: the file is empty; start from an example in examples/", name);
		goto fail;
	}
	goto out;
fail:
	ytree_free(root);
	root = NULL;
out:
	for (size_t i = 0; i < l.nanchors; i++)
		free(l.anchors[i].name);
	free(l.anchors);
	yaml_parser_delete(&l.parser);
	return root;
}

struct ynode *ymap_get(const struct ynode *map, const char *key)
{
	if (!map || map->kind != YNODE_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (strcmp(map->keys[i]->text, key) == 0)
			return map->items[i];
	return NULL;
}

const char *ykind_name(enum ynode_kind k)
{
	switch (k) {
	case YNODE_SCALAR:
		return "a value";
	case YNODE_SEQ:
		return "a list";
	case YNODE_MAP:
		return "a mapping";
	}
	return "?";
}
