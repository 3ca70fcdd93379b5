/* cmd_complete: Tab completion of command names, parameter names and
 * paths for the line editor. See cmd_complete_line in cmd.h. */
#include "partition/console/cmd_internal.h"

#include <ctype.h>
#include <string.h>

/* Where the word before cur starts, and where its pipeline element (the
 * text after the last unquoted '|' or ';') starts. Returns false when the
 * cursor is inside quotes. */
static bool find_word(const char *line, size_t cur, size_t *word,
		      size_t *elem)
{
	char quote = 0;

	*word = *elem = 0;
	for (size_t i = 0; i < cur; i++) {
		char c = line[i];

		if (quote) {
			quote = c == quote ? 0 : quote;
			continue;
		}
		if (c == '`' && i + 1 < cur)
			i++;
		else if (c == '\'' || c == '"')
			quote = c;
		else if (c == '|' || c == ';')
			*elem = *word = i + 1;
		else if (c == ' ' || c == '\t')
			*word = i + 1;
	}
	return quote == 0;
}

/* The element's first word (the command name) into name. */
static void elem_command(const char *line, size_t elem, size_t cur, char *name,
			 size_t n)
{
	size_t k = 0;

	while (elem < cur && (line[elem] == ' ' || line[elem] == '\t'))
		elem++;
	while (elem < cur && line[elem] != ' ' && line[elem] != '\t' &&
	       k + 1 < n)
		name[k++] = line[elem++];
	name[k] = '\0';
}

static int add_match(const char *s, const char **matches, int max,
		     int count)
{
	if (count < max)
		matches[count] = s;
	return count + 1;
}

/* Each parameter by its name, or when the name does not match, by each
 * alias that does: PowerShell completes aliases too, but leaves one out
 * when its parameter's own name is offered (PowerShell pull request
 * 19382: Get-NetIPAddress -if offers ifIndex and ifAlias). */
static int add_params(const struct cmd_param *p, int np, const char *prefix,
		      size_t len, const char **matches, int max, int count)
{
	for (int i = 0; i < np; i++) {
		if (cmd_name_prefix(prefix, len, p[i].name)) {
			count = add_match(p[i].name, matches, max, count);
			continue;
		}
		for (const char *const *al = p[i].aliases; al && *al; al++)
			if (cmd_name_prefix(prefix, len, *al))
				count = add_match(*al, matches, max, count);
	}
	return count;
}

/* The command's own parameters, then the common ones (PowerShell's
 * order). */
static int complete_params(const struct cmd_def *d, const char *prefix,
			   size_t len, const char **matches, int max)
{
	int count;

	if (!d)
		return 0;
	count = add_params(d->params, d->nparams, prefix, len, matches, max, 0);
	return add_params(cmd_common_params, cmd_common_n, prefix, len,
			  matches, max, count);
}

static bool only_blanks(const char *s, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return false;
	return true;
}

int cmd_complete_line(const struct cmd_def *tab, int n, const char *line,
		      size_t cur, size_t *start, const char **matches, int max,
		      cmd_path_fn path, void *pctx)
{
	size_t word, elem;
	char name[CMD_LINE_MAX];

	*start = cur;
	if (!find_word(line, cur, &word, &elem))
		return 0;                       /* inside quotes */
	*start = word;
	if (only_blanks(line, elem, word))
		return cmd_complete(tab, n, line + word, cur - word, matches,
				    max);
	if (word < cur && line[word] == '-' &&
	    (word + 1 == cur || isalpha((unsigned char)line[word + 1]))) {
		elem_command(line, elem, cur, name, sizeof name);
		*start = word + 1;
		return complete_params(cmd_find(tab, n, name), line + word + 1,
				       cur - word - 1, matches, max);
	}
	if ((word < cur && strchr("$'\"{", line[word])) || !path)
		return 0;                       /* variables, quotes: no */
	return path(pctx, line + word, cur - word, matches, max);
}
