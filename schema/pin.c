/* The config's sha256: pin; see pin.h. */
#include "schema/pin.h"

#include <strings.h>

const char *pin_parse(unsigned char fp[FP_LEN], const char *text)
{
	if (!strncasecmp(text, "sha256:", 7))
		return "has a \"sha256:\" prefix; write only the 64 hex digits";
	if (!fp_parse(fp, text))
		return "must be " PIN_SYNTAX;
	return NULL;
}
