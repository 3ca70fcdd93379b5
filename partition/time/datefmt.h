/*
 * datefmt: Get-Date's output formats. The parent keeps no time zone, so
 * local time is UTC and every offset prints as +00:00 (K, zzz, %Z).
 *
 * datefmt_dotnet follows .NET's DateTime.ToString(format) in the en-US
 * culture, which is what PowerShell's -Format uses:
 *  - a one-character format is a standard format: d D f F g G m M o O r R
 *    s t T u U y Y (any other single character is an error);
 *  - otherwise custom specifiers: d dd ddd dddd, M MM MMM MMMM, y yy yyy
 *    yyyy..., h hh H HH m mm s ss, f..fffffff and F..FFFFFFF (fractions of
 *    a second; F drops trailing zeros, and a '.' before an empty F), t tt,
 *    z zz zzz, K, g (era); ':' and '/' are the culture's separators; text
 *    in '...' or "..." is literal; \c is a literal c; %c is specifier c on
 *    its own; other characters are copied;
 *  - an empty format is "G".
 * datefmt_uformat follows PowerShell's -UFormat: %a %A %b %B %c %C %d %D %e
 * %F %h %H %I %j %k %l %m %M %n %p %r %R %s %S %t %T %u %w %x %X %y %Y %Z
 * %%; any other %c is copied as it stands.
 *
 * Both write at most n-1 characters and a NUL, and return the length
 * written, -EINVAL for a malformed format (.NET's FormatException) or
 * -ENOSPC when the result does not fit.
 */
#ifndef HVPART_TIME_DATEFMT_H
#define HVPART_TIME_DATEFMT_H

#include <stddef.h>
#include <stdint.h>

#include "partition/time/civil.h"

int datefmt_dotnet(char *buf, size_t n, const struct civil_time *t, const char *fmt);
int datefmt_uformat(char *buf, size_t n, const struct civil_time *t, int64_t epoch,
		    const char *fmt);

#endif
