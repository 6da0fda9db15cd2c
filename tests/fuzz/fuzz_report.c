/* `trustform report`'s reading of a plan's JSON (reconcile/report.c) and of its
 * stores' certificates into the CycloneDX inventory (reconcile/cbom.c), with a
 * PROPERTY: whatever the document holds, the text report has no control
 * byte but newlines, no line of it starts with a forged "Report:", and
 * every count is from 0 (negative counts are refused, not summed). */
#include "fuzz.h"
#include "reconcile/cbom.h"
#include "reconcile/report.h"
#include "util/err.h"

static void no_control(const char *s, size_t n)
{
	size_t reports = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		FUZZ_ASSERT(c == '\n' || (c >= 0x20 && c != 0x7f));
		if ((i == 0 || s[i - 1] == '\n') && !strncmp(s + i, "Report:", 7))
			reports++;
	}
	FUZZ_ASSERT(reports == 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *files[2] = {(char *)fuzz_write("plan.json", data, size), NULL};
	files[0] = strdup(files[0]);
	struct report r;
	struct cbom inv;
	cbom_init(&inv);
	report_build(&r, files, 1, &inv);
	FUZZ_ASSERT(r.add >= 0 && r.change >= 0 && r.remove >= 0);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	report_render_text(f, &r);
	fclose(f);
	no_control(text, len);
	free(text);
	f = fopen("/dev/null", "w");
	report_render_markdown(f, &r);
	report_render_json(f, &r, 0);
	cbom_render(f, &inv, NULL, 0);
	fclose(f);
	cbom_dispose(&inv);
	report_dispose(&r);
	err_clear();
	free(files[0]);
	return 0;
}
