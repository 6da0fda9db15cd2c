/* The JSON Schema's store types: $defs for each type, and $defs/store. */
#include "tools/gendocs/gendocs.h"

#include <stdbool.h>
#include <string.h>

static void put_choices(struct buf *b, const char *const *c)
{
	buf_puts(b, "\"enum\": [");
	for (size_t i = 0; c[i]; i++) {
		buf_puts(b, i ? ", " : "");
		put_json_string(b, c[i]);
	}
	buf_puts(b, "]");
}

static void put_default(struct buf *b, const struct store_option *o)
{
	if (!o->def)
		return;
	buf_puts(b, ", \"default\": ");
	if (o->kind == OPT_BOOL)
		buf_puts(b, o->def);
	else
		put_json_string(b, o->def);
}

/* A string, or one item of a list: its choices or its pattern. */
static void put_string(struct buf *b, const struct store_option *o)
{
	if (o->choices) {
		put_choices(b, o->choices);
		return;
	}
	buf_puts(b, "\"type\": \"string\"");
	if (o->pattern) {
		buf_puts(b, ", \"pattern\": ");
		put_json_string(b, o->pattern);
	}
}

static void put_option(struct buf *b, const struct store_option *o)
{
	buf_puts(b, "        ");
	put_json_string(b, o->name);
	buf_puts(b, ": { ");
	switch (o->kind) {
	case OPT_PATH:
		buf_puts(b, "\"$ref\": \"#/$defs/abspath\"");
		break;
	case OPT_BOOL:
		buf_puts(b, "\"type\": \"boolean\"");
		break;
	case OPT_STRING:
	case OPT_ENUM:
		put_string(b, o);
		break;
	case OPT_LIST:
		buf_puts(b, "\"type\": \"array\", ");
		if (o->flags & OPTF_NONEMPTY)
			buf_puts(b, "\"minItems\": 1, ");
		buf_puts(b, "\"items\": { ");
		put_string(b, o);
		buf_puts(b, " }, \"uniqueItems\": true");
		break;
	}
	put_default(b, o);
	if (o->help) {
		buf_puts(b, ", \"description\": ");
		put_json_string(b, o->help);
	}
	buf_puts(b, " }");
}

/* Each line of the type's rules, indented into its object. */
static void put_rules(struct buf *b, const char *rules)
{
	buf_puts(b, ",\n");
	while (*rules) {
		const char *nl = strchr(rules, '\n');
		size_t n = nl ? (size_t)(nl - rules) : strlen(rules);
		buf_puts(b, "      ");
		buf_add(b, rules, n);
		buf_putc(b, '\n');
		rules += n + (nl != NULL);
	}
}

static void def_name(struct buf *b, const struct store_type *t)
{
	if (t->section) {
		buf_puts(b, t->section);
		return;
	}
	buf_puts(b, "store_");
	for (const char *c = t->name; *c; c++)
		buf_putc(b, *c == '-' ? '_' : *c);
}

static void put_type(const struct store_type *t, void *arg)
{
	struct buf *b = arg;
	buf_puts(b, "    \"");
	def_name(b, t);
	buf_puts(b, "\": {\n      \"type\": \"object\",\n      \"additionalProperties\": false,\n");
	bool first = true;
	EACH_OPTION(o, t)
	{
		if (!o->required)
			continue;
		buf_puts(b, first ? "      \"required\": [" : ", ");
		put_json_string(b, o->name);
		first = false;
	}
	if (!first)
		buf_puts(b, "],\n");
	if (t->summary) {
		buf_puts(b, "      \"description\": ");
		put_json_string(b, t->summary);
		buf_puts(b, ",\n");
	}
	buf_puts(b, "      \"properties\": {\n");
	first = true;
	if (!t->section) {
		buf_printf(b, "        \"type\": { \"const\": \"%s\" },\n", t->name);
		buf_puts(b, "        \"consumers\": { \"$ref\": \"#/$defs/consumers\" }");
		first = false;
	}
	EACH_OPTION(o, t)
	{
		buf_puts(b, first ? "" : ",\n");
		put_option(b, o);
		first = false;
	}
	buf_puts(b, "\n      }");
	if (t->schema_rules)
		put_rules(b, t->schema_rules);
	else
		buf_putc(b, '\n');
	buf_puts(b, "    },\n");
}

static void put_enum_item(const struct store_type *t, void *arg)
{
	struct buf *b = arg;
	if (t->section)
		return;
	buf_puts(b, b->ptr[b->len - 1] == '[' ? "" : ", ");
	put_json_string(b, t->name);
}

static void put_branch(const struct store_type *t, void *arg)
{
	struct buf *b = arg;
	if (t->section)
		return;
	buf_puts(b, b->ptr[b->len - 1] == '[' ? "\n" : ",\n");
	buf_printf(b,
		   "        {\n"
		   "          \"if\": { \"properties\": { \"type\": { \"const\": \"%s\" } } },\n"
		   "          \"then\": { \"$ref\": \"#/$defs/",
		   t->name);
	def_name(b, t);
	buf_puts(b, "\" }\n        }");
}

void gen_schema_types(struct buf *b)
{
	buf_puts(b, "    \"store\": {\n"
		    "      \"type\": \"object\",\n"
		    "      \"required\": [\"type\"],\n"
		    "      \"properties\": {\n"
		    "        \"type\": { ");
	buf_puts(b, "\"enum\": [");
	each_type(put_enum_item, b);
	buf_puts(b, "] }\n      },\n      \"allOf\": [");
	each_type(put_branch, b);
	buf_puts(b, "\n      ]\n    },\n");
	each_type(put_type, b);
}
