/* The DSDT's AML, generated from dsdt.asl by iasl -tc (partition/acpi/module.mk). */
#include "partition/acpi/acpi.h"

#include "dsdt.hex"                     /* static const unsigned char dsdt_aml_code[] */

const uint8_t *acpi_dsdt_aml(size_t *len)
{
	*len = sizeof(dsdt_aml_code);
	return dsdt_aml_code;
}
