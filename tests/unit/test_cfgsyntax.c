/* pip.conf, npmrc and git-config as the configuration-file stores read them
 * (stores/files/cfgsyntax.c): what each tool would read, and where trustform's
 * block goes, table-driven. */
#include "harness.h"
#include "stores/files/cfgsyntax.h"

#include <stdlib.h>

/* The value of the last setting called name, "(true)" for git's bare key,
 * or NULL when nothing sets it. */
static const char *lookup(const struct cfg_doc *d, const char *name)
{
	const char *v = NULL;
	for (size_t i = 0; i < d->n; i++)
		if (d->e[i].name && !strcmp(d->e[i].name, name))
			v = d->e[i].value ? d->e[i].value : "(true)";
	return v;
}

static const struct {
	enum cfg_syntax syn;
	const char *in, *name, *value;
} reads[] = {
    {CFG_PIP, "[global]\nCert: /a\n", "global.cert", "/a"},
    {CFG_PIP, "[global]\nindex-url = a\n  b\n", "global.index-url", "a\nb"},
    {CFG_PIP, "[global]\ncert = /a ; not a comment\n", "global.cert", "/a ; not a comment"},
    {CFG_PIP, "cert = /a\n[install]\ncert = /b", "install.cert", "/b"},
    /* pip's own normalisation: lower case, '_' as '-', a leading "--" dropped */
    {CFG_PIP, "[global]\nTrusted_Host = h\n", "global.trusted-host", "h"},
    {CFG_PIP, "[download]\n--cert = /c\n", "download.cert", "/c"},
    {CFG_PIP, "[global]\n-cert = /c\n", "global.-cert", "/c"},
    {CFG_NPMRC, "cafile = \"/a b\" \n", "cafile", "/a b"},
    {CFG_NPMRC, "cafile=/a ; comment\n", "cafile", "/a"},
    {CFG_NPMRC, "x=1\n[corp]\ncafile=/x", "corp.cafile", "/x"},
    {CFG_NPMRC, "x=1\n[corp]\ncafile=/x", "cafile", NULL},
    {CFG_GIT, "[http \"https://a/\"]\n\tsslCAInfo = \"/p q\" # c\n", "http.https://a/.sslcainfo",
     "/p q"},
    {CFG_GIT, "[http] sslcainfo=/z\n", "http.sslcainfo", "/z"},
    {CFG_GIT, "[a]\n\tb = x\\\ny\n", "a.b", "xy"},
    {CFG_GIT, "[HTTP.Sub]\nk=v", "http.sub.k", "v"},
    {CFG_GIT, "[core]\n\tbare\n", "core.bare", "(true)"},
    {CFG_GIT, "[includeIf \"gitdir:~/w/\"]\n\tpath = ~/x\n", "includeif.gitdir:~/w/.path", "~/x"},
    {CFG_GIT, "sslcainfo = /no-section\n", "sslcainfo", NULL},
    {CFG_GIT, "[http]\n\tsslCAInfo = \"unterminated\n", "http.sslcainfo", NULL},
};

#define B     "/etc/trustform/bundles/s.pem"
#define BEGIN "# trustform:begin s\n"
#define END   "# trustform:end s\n"

static const struct cfg_want pip = {"s", "global", "[global]", "cert = " B, PLACE_IN_SECTION};
static const struct cfg_want npm = {"s", "", NULL, "cafile=" B, PLACE_TOP};
static const struct cfg_want git = {"s", "http", "[http]", "\tsslCAInfo = " B, PLACE_APPEND};

static const struct {
	enum cfg_syntax syn;
	const struct cfg_want *w;
	bool set;
	const char *in, *out; /* out NULL: the block is damaged */
} renders[] = {
    {CFG_PIP, &pip, true, "[global]\ntimeout = 5\n",
     "[global]\n" BEGIN "cert = " B "\n" END "timeout = 5\n"},
    {CFG_PIP, &pip, true, "[install]\nx = 1",
     "[install]\nx = 1\n" BEGIN "[global]\ncert = " B "\n" END},
    {CFG_PIP, &pip, true, "", BEGIN "[global]\ncert = " B "\n" END},
    /* a block under its own header, and a [global] of the file's later: moved */
    {CFG_PIP, &pip, true, BEGIN "[global]\ncert = /old\n" END "[global]\nx = 1\n",
     "[global]\n" BEGIN "cert = " B "\n" END "x = 1\n"},
    {CFG_NPMRC, &npm, true, "a=1\n[s]\nb=2\n", "a=1\n" BEGIN "cafile=" B "\n" END "[s]\nb=2\n"},
    {CFG_NPMRC, &npm, true, "a=1", "a=1\n" BEGIN "cafile=" B "\n" END},
    {CFG_GIT, &git, true, "[core]\n\tx = 1\n",
     "[core]\n\tx = 1\n" BEGIN "[http]\n\tsslCAInfo = " B "\n" END},
    {CFG_GIT, &git, true, "[http]\n\tproxy = x\\\n",
     "[http]\n\tproxy = x\\\n\n" BEGIN "[http]\n\tsslCAInfo = " B "\n" END},
    {CFG_GIT, &git, true, "# a\n" BEGIN "[http]\n\tsslCAInfo = /old\n" END "[user]\n",
     "# a\n" BEGIN "[http]\n\tsslCAInfo = " B "\n" END "[user]\n"},
    {CFG_GIT, &git, false, "# a\n" BEGIN "[http]\n\tsslCAInfo = /old\n" END "[user]\n",
     "# a\n[user]\n"},
    {CFG_GIT, &git, true, "# a\n" BEGIN "[http]\n", NULL},
    {CFG_GIT, &git, true, END, NULL},
    {CFG_NPMRC, &npm, true, BEGIN "cafile=/a\n" END BEGIN "cafile=/b\n" END, NULL},
};

int main(void)
{
	for (size_t i = 0; i < sizeof(reads) / sizeof(reads[0]); i++) {
		struct cfg_doc d;
		cfg_parse(&d, reads[i].syn, reads[i].in, strlen(reads[i].in));
		const char *v = lookup(&d, reads[i].name);
		if (reads[i].value)
			CHECK_MSG(v && !strcmp(v, reads[i].value), "read %zu: %s is \"%s\"", i,
				  reads[i].name, v ? v : "(unset)");
		else
			CHECK_MSG(!v, "read %zu: %s is \"%s\"", i, reads[i].name, v);
		cfg_doc_dispose(&d);
	}
	for (size_t i = 0; i < sizeof(renders) / sizeof(renders[0]); i++) {
		struct cfg_doc d;
		struct buf out = BUF_INIT;
		cfg_parse(&d, renders[i].syn, renders[i].in, strlen(renders[i].in));
		int rc = cfg_render(&out, &d, renders[i].w, renders[i].set);
		if (!renders[i].out) {
			CHECK_MSG(rc < 0, "render %zu: a damaged block was rendered", i);
		} else {
			buf_putc(&out, '\0');
			CHECK_MSG(rc == 0 && !strcmp(out.ptr, renders[i].out),
				  "render %zu:\n%s---- wanted:\n%s", i, out.ptr, renders[i].out);
		}
		cfg_doc_dispose(&d);
		buf_dispose(&out);
	}
	return test_report();
}
