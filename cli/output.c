/* output.c - tables, JSON, shell quoting and masked values. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* "sk-…7f3a": the key's published prefix (up to its last '-' or '_' in
 * the first 8 bytes, and at most a quarter of the value) and its last four
 * characters when the value has at least 16. Short values show nothing;
 * a non-ASCII tail is not shown (it could be cut mid-character). */
void cli_mask(char *out, size_t n, const char *value, size_t len)
{
	if (len < 12) {
		snprintf(out, n, "*****");
		return;
	}
	size_t pre = 0;
	for (size_t i = 0; i < 8 && i < len / 4; i++)
		if (value[i] == '-' || value[i] == '_')
			pre = i + 1;
	for (size_t i = 0; i < pre; i++)
		if ((unsigned char)value[i] >= 0x80)
			pre = 0;
	int tail = len >= 16;
	for (size_t i = len - 4; tail && i < len; i++)
		if ((unsigned char)value[i] >= 0x80)
			tail = 0;
	snprintf(out, n, "%.*s…%.*s", (int)pre, value, tail ? 4 : 0, value + len - 4);
}

static size_t display_width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		w += ((unsigned char)*s & 0xC0) != 0x80; /* count UTF-8 lead bytes */
	return w;
}

void cli_print_table(FILE *f, const char *const *headers, size_t ncols, json_t *rows)
{
	size_t width[16] = {0};
	size_t i;
	json_t *row;
	if (ncols > 16)
		ncols = 16;
	for (size_t c = 0; c < ncols; c++)
		width[c] = display_width(headers[c]);
	json_array_foreach(rows, i, row) {
		for (size_t c = 0; c < ncols; c++) {
			const char *s = json_string_value(json_array_get(row, c));
			size_t w = s ? display_width(s) : 0;
			if (w > width[c])
				width[c] = w;
		}
	}
	for (size_t c = 0; c < ncols; c++)
		if (c + 1 < ncols)
			fprintf(f, "%s%*s  ", headers[c], (int)(width[c] - display_width(headers[c])), "");
		else
			fprintf(f, "%s\n", headers[c]);
	json_array_foreach(rows, i, row) {
		for (size_t c = 0; c < ncols; c++) {
			const char *s = json_string_value(json_array_get(row, c));
			if (s == NULL)
				s = "";
			if (c + 1 < ncols)
				fprintf(f, "%s%*s  ", s, (int)(width[c] - display_width(s)), "");
			else
				fprintf(f, "%s\n", s);
		}
	}
}

void cli_print_json(FILE *f, json_t *value)
{
	json_dumpf(value, f, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	fputc('\n', f);
}

void cli_shell_quote(FILE *f, const char *value)
{
	fputc('\'', f);
	for (const char *p = value; *p; p++) {
		if (*p == '\'')
			fputs("'\\''", f);
		else
			fputc(*p, f);
	}
	fputc('\'', f);
}
