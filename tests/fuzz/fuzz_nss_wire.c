/* What an NSS child sends its parent (stores/nss/nss_wire.c): the child runs
 * as the database's owner, who may write anything to its pipe. The first byte
 * says how many operations the parent handed the child. */
#include "fuzz.h"
#include "stores/nss/nss_int.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	struct buf in = BUF_INIT;
	buf_add(&in, data + 1, size - 1);
	struct nss_reply r;
	nss_reply_init(&r, data[0] % 8);
	if (nss_wire_parse(&r, &in) == 0)
		for (size_t i = 0; i < r.nops; i++)
			if (r.ops[i].reported && r.ops[i].code != TF_OK &&
			    r.ops[i].code != TF_ERROR && r.ops[i].code != TF_EMODIFIED)
				__builtin_trap(); /* only the three codes cross */
	nss_reply_dispose(&r);
	buf_dispose(&in);
	err_clear();
	return 0;
}
