/* stub, replaced below */
#include "cli/cli.h"
int cmd_report(struct options *o)
{
	(void)o;
	return EXIT_ERROR;
}
