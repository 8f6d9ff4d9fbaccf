/* base64.c - strict RFC 4648 base64 (standard and URL alphabets). */
#include "util/base64.h"

#include "core/error.h"

static const char std_chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char url_chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t cst_b64_encoded_size(size_t n)
{
	return (n + 2) / 3 * 4 + 1;
}

size_t cst_b64_encode(char *out, const void *in, size_t n, int alphabet)
{
	const char *chars = alphabet == CST_B64_URL ? url_chars : std_chars;
	const unsigned char *p = in;
	size_t o = 0, i = 0;
	for (; i + 2 < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
		out[o++] = chars[v >> 18 & 63];
		out[o++] = chars[v >> 12 & 63];
		out[o++] = chars[v >> 6 & 63];
		out[o++] = chars[v & 63];
	}
	if (i < n) {
		unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0);
		out[o++] = chars[v >> 18 & 63];
		out[o++] = chars[v >> 12 & 63];
		out[o++] = i + 1 < n ? chars[v >> 6 & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

static int value_of(char c, int alphabet)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == (alphabet == CST_B64_URL ? '-' : '+'))
		return 62;
	if (c == (alphabet == CST_B64_URL ? '_' : '/'))
		return 63;
	return -1;
}

int cst_b64_decode(unsigned char *out, size_t *out_len, const char *in, size_t len,
                   int alphabet)
{
	size_t pad = 0;
	while (pad < 2 && len > pad && in[len - 1 - pad] == '=')
		pad++;
	if (pad && len % 4 != 0)
		return cst_fail(CST_EINVAL, "bad base64 padding");
	size_t n = len - pad;
	if (n % 4 == 1)
		return cst_fail(CST_EINVAL, "bad base64 length");
	size_t o = 0;
	unsigned acc = 0;
	int bits = 0;
	for (size_t i = 0; i < n; i++) {
		int v = value_of(in[i], alphabet);
		if (v < 0)
			return cst_fail(CST_EINVAL, "bad base64 character");
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (acc != 0)
		return cst_fail(CST_EINVAL, "bad base64 trailing bits");
	*out_len = o;
	return CST_OK;
}

void cst_hex_encode(char *out, const void *in, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *p = in;
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0x0f];
	}
	out[2 * n] = '\0';
}
