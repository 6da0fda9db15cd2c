/*
 * The Caddyfile editor against its golden corpus (tests/fixtures/caddy/<case>/):
 * `Caddyfile` is the input (other files beside it are what it imports),
 * `params` the CA id and lifetime ("local 43800h" when absent), and either
 * `expected`, compared byte for byte with the edited file, or `error`, a text
 * the refusal must contain. Every output must read back as in place (the edit
 * is idempotent). A table checks the lexer on Caddy's own rules.
 * TF_UPDATE_GOLDEN=1 rewrites the expected files (review the diff).
 */
#include "harness.h"
#include "stores/caddy/caddy_int.h"
#include "stores/caddy/caddyfile.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

static bool read_text(const char *path, struct buf *b)
{
	return buf_read_file(b, path) == 0;
}

static void run_case(const char *dir, const char *name)
{
	char *root = xasprintf("%s/%s", dir, name);
	char *p_input = xasprintf("%s/Caddyfile", root), *p_exp = xasprintf("%s/expected", root);
	char *p_err = xasprintf("%s/error", root), *p_par = xasprintf("%s/params", root);
	struct buf input = BUF_INIT, want = BUF_INIT, werr = BUF_INIT, par = BUF_INIT;
	char ca[64] = "local", life[64] = "43800h";
	CHECK_MSG(read_text(p_input, &input), "%s: no input", name);
	if (read_text(p_par, &par))
		CHECK(sscanf(par.ptr, "%63s %63s", ca, life) == 2);
	bool has_exp = read_text(p_exp, &want), has_err = read_text(p_err, &werr);
	CHECK_MSG(has_exp != has_err || (!has_err && getenv("TF_UPDATE_GOLDEN")),
		  "%s: needs exactly one of expected, error", name);

	struct cf_doc d;
	struct cf_lifetime r = {0};
	err_clear();
	int rc = cf_doc_load_buffer(&d, root, "/Caddyfile", input.ptr, input.len);
	if (rc == 0)
		rc = cf_set_lifetime(&r, &d, ca, life);
	long long a, b;
	if (rc == 0 && r.have && caddy_duration_parse(r.have, &a) &&
	    caddy_duration_parse(life, &b) && a == b) {
		/* already in place (as trustform's plan decides): nothing changes */
		buf_reset(&r.out);
		buf_add(&r.out, input.ptr, input.len);
	}
	if (has_err) {
		werr.ptr[strcspn(werr.ptr, "\n")] = '\0';
		CHECK_MSG(rc < 0, "%s: accepted, wanted a refusal", name);
		CHECK_MSG(rc == 0 || strstr(err_msg(), werr.ptr), "%s: \"%s\" lacks \"%s\"", name,
			  err_msg(), werr.ptr);
	} else {
		CHECK_MSG(rc == 0, "%s: refused: %s", name, err_msg());
		if (rc == 0 && getenv("TF_UPDATE_GOLDEN")) {
			/* regenerating the corpus: review every diff before committing it */
			FILE *f = fopen(p_exp, "wb");
			fwrite(r.out.ptr, 1, r.out.len, f);
			fclose(f);
			buf_reset(&want);
			buf_add(&want, r.out.ptr, r.out.len);
		}
		if (rc == 0) {
			bool same = r.out.len == want.len && !memcmp(r.out.ptr, want.ptr, want.len);
			CHECK_MSG(same, "%s: output differs from expected:\n%s", name, r.out.ptr);
			/* the output is a Caddyfile this editor reads back as in place */
			struct cf_doc d2;
			struct cf_lifetime r2;
			CHECK(cf_doc_load_buffer(&d2, root, "/Caddyfile", r.out.ptr, r.out.len) ==
				  0 &&
			      cf_set_lifetime(&r2, &d2, ca, life) == 0);
			CHECK_MSG(r2.have && caddy_duration_parse(r2.have, &a) &&
				      caddy_duration_parse(life, &b) && a == b,
				  "%s: reads back %s", name, r2.have ? r2.have : "(nothing)");
			CHECK_MSG(!strcmp(r2.have ? r2.have : "", life) ||
				      buf_equal(&r2.out, r.out.ptr, r.out.len) || a == b,
				  "%s: not idempotent", name);
			if (r2.have && !strcmp(r2.have, life))
				CHECK_MSG(buf_equal(&r2.out, r.out.ptr, r.out.len),
					  "%s: not idempotent", name);
			cf_lifetime_dispose(&r2);
			cf_doc_dispose(&d2);
		}
	}
	cf_lifetime_dispose(&r);
	cf_doc_dispose(&d);
	buf_dispose(&input);
	buf_dispose(&want);
	buf_dispose(&werr);
	buf_dispose(&par);
	free(p_input);
	free(p_exp);
	free(p_err);
	free(p_par);
	free(root);
}

/* The lexer on Caddy's rules: "text|quote|newline-before" per token. */
static const struct {
	const char *src, *want;
} lex_rows[] = {
    {"a b\nc", "a|0|1 b|0|0 c|0|1"},
    {"\"a b\" `c d`", "a b|\"|1 c d|`|0"},
    {"a \"x \\\"y\\\" \\z\"", "a|0|1 x \"y\" \\z|\"|0"},
    {"a#b # c\nd", "a#b|0|1 d|0|1"},
    {"a \\\nb", "a|0|1 b|0|0"},
    {"a\r\nb", "a|0|1 b|0|1"},
    {"x\xc2\xa0"
     "y",
     "x|0|1 y|0|0"},
    {"{\n}", "{|0|1 }|0|1"},
    {"{}", "{}|0|1"},
    {"a <<EOF\n  hi {\n  EOF\nb", "a|0|1 hi {|<|0 b|0|1"},
    {"\\<<EOF x", "<<EOF|0|1 x|0|0"},
    {"\xef\xbb\xbf"
     "a",
     "a|0|1"},
    {"`a\\`", "a\\|`|1"},
};

static void lex_table(void)
{
	for (size_t i = 0; i < sizeof(lex_rows) / sizeof(*lex_rows); i++) {
		struct cf_tokens t;
		struct buf got = BUF_INIT;
		int rc = cf_tokenize(&t, "t", lex_rows[i].src, strlen(lex_rows[i].src));
		CHECK_MSG(rc == 0, "row %zu: %s", i, err_msg());
		for (size_t j = 0; rc == 0 && j < t.n; j++)
			buf_printf(&got, "%s%s|%c|%d", j ? " " : "", t.items[j].text,
				   t.items[j].quote ? t.items[j].quote : '0', t.items[j].nl_before);
		CHECK_MSG(!strcmp(got.ptr, lex_rows[i].want), "row %zu: got \"%s\", want \"%s\"", i,
			  got.ptr, lex_rows[i].want);
		/* spans: the source bytes of a plain token are its text */
		for (size_t j = 0; rc == 0 && j < t.n; j++)
			if (!t.items[j].quote && !strchr(t.items[j].text, '\\') &&
			    strncmp(lex_rows[i].src, "\\<", 2))
				CHECK(t.items[j].end - t.items[j].start == strlen(t.items[j].text));
		buf_dispose(&got);
		if (rc == 0)
			cf_tokens_dispose(&t);
	}
	static const char *const bad[] = {"\"open", "`open", "<<EOF\nno end", "<<\nx", "<<<A\nA"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct cf_tokens t;
		CHECK_MSG(cf_tokenize(&t, "t", bad[i], strlen(bad[i])) < 0, "accepted: %s", bad[i]);
	}
}

int main(void)
{
	const char *tests = getenv("TESTS_DIR");
	char *dir = xasprintf("%s/fixtures/caddy", tests ? tests : "tests");
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);
	CHECK_MSG(n > 20, "corpus in %s", dir);
	for (int i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.')
			run_case(dir, names[i]->d_name);
		free(names[i]);
	}
	free(names);
	free(dir);
	lex_table();
	return test_report();
}
