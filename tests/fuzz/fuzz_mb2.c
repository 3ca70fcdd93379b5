/* libFuzzer target: mb2_parse_info must never read outside [data, data+size)
 * and must leave a consistent result. The input is copied into an exactly
 * sized heap buffer so ASan catches any overread. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hv/boot/mb2.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mb2_info mi;
	const char *why = NULL;
	uint8_t *buf = malloc(size ? size : 1);
	int rc;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	rc = mb2_parse_info(buf, size, &mi, &why);
	if (rc == 0) {
		if (why || mi.total_size > size || mi.module_count > MB2_MAX_MODULES ||
		    mi.mmap_count > MB2_MAX_MMAP)
			abort();
		for (uint32_t i = 0; i < mi.module_count; i++) {
			if (strlen(mi.modules[i].string) >= MB2_MOD_STRING_MAX ||
			    mi.modules[i].end < mi.modules[i].start)
				abort();
			(void)mb2_find_module(&mi, mi.modules[i].string);
		}
		if (mi.rsdp_v2.len &&
		    mi.rsdp_v2.offset + mi.rsdp_v2.len > mi.total_size)
			abort();
	} else if (!why) {
		abort();
	}
	free(buf);
	return 0;
}
