/* audit_chain.c - the tamper-evident chain of audit entries (a custos
 * extension). Every line ends with
 *
 *     ,"seq":N,"chain":"hmac-sha256:<hex>"}
 *
 * where chain = HMAC-SHA256(audit key, previous chain (32 bytes) ||
 * SHA-256(the line from its '{' up to ,"seq":) || ,"seq":N). The body's
 * digest is taken before the device's lock, so only a short MAC is
 * computed inside it. A "type":"chain" line begins each
 * file a device opens; it states the previous position ("prev_seq",
 * "prev_chain") it continues from, so a rotated file verifies alone, and
 * in a concatenation a gap between files shows. Only the holder of the
 * vault's audit key can make or check a chain value.
 *
 * Verification walks the lines in order and stops at the first one that
 * is cut short, is not an entry, has the wrong seq (an entry deleted,
 * moved or replayed), or whose MAC fails (an entry edited); against a
 * live device it also finds entries cut from the end. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/audit.h"
#include "core/error.h"
#include "util/base64.h"
#include "util/mem.h"
#include "util/timefmt.h"

#define TAG "hmac-sha256:"
#define TAG_LEN 12
#define HEX_LEN 64
#define PUT(b, lit) cst_abuf_put((b), (lit), sizeof(lit) - 1)

static void put_u64(cst_abuf *b, uint64_t v)
{
	char t[24];
	int n = snprintf(t, sizeof(t), "%llu", (unsigned long long)v);
	cst_abuf_put(b, t, (size_t)n);
}

static void put_mac(cst_abuf *b, const unsigned char mac[CST_SHA256_LEN])
{
	char hex[HEX_LEN + 1];
	cst_hex_encode(hex, mac, CST_SHA256_LEN);
	PUT(b, "\"" TAG);
	cst_abuf_put(b, hex, HEX_LEN);
	PUT(b, "\"");
}

void cst_audit_body_digest(unsigned char out[CST_SHA256_LEN], const cst_abuf *body)
{
	cst_sha256(out, body->p, body->len);
}

/* The chain MAC: key over prev || digest || seq text (",\"seq\":N"). */
static int chain_mac(unsigned char out[CST_SHA256_LEN], const cst_mac_key *key,
                     const unsigned char prev[CST_SHA256_LEN], const unsigned char digest[CST_SHA256_LEN],
                     const char *seq_text, size_t seq_len)
{
	unsigned char head[2 * CST_SHA256_LEN];
	memcpy(head, prev, CST_SHA256_LEN);
	memcpy(head + CST_SHA256_LEN, digest, CST_SHA256_LEN);
	return cst_mac_key_sha256_2(out, key, head, sizeof(head), seq_text, seq_len);
}

int cst_audit_seal_line(cst_abuf *line, const cst_mac_key *key, const cst_audit_chain *prev,
                        cst_audit_chain *next, const unsigned char *digest)
{
	unsigned char own[CST_SHA256_LEN];
	if (line->failed)
		return CST_ENOMEM;
	if (digest == NULL) {
		cst_audit_body_digest(own, line);
		digest = own;
	}
	size_t body_len = line->len;
	next->seq = prev->seq + 1;
	PUT(line, ",\"seq\":");
	put_u64(line, next->seq);
	if (line->failed)
		return CST_ENOMEM;
	int rc = chain_mac(next->mac, key, prev->mac, digest, line->p + body_len, line->len - body_len);
	if (rc < 0)
		return rc;
	PUT(line, ",\"chain\":");
	put_mac(line, next->mac);
	PUT(line, "}\n");
	return line->failed ? CST_ENOMEM : CST_OK;
}

void cst_audit_chain_body(cst_abuf *out, int64_t now_ns, const char *device, const char *reason,
                          const cst_audit_chain *prev)
{
	char t[48];
	cst_time_format(t, sizeof(t), now_ns);
	PUT(out, "{\"time\":\"");
	cst_abuf_put(out, t, strlen(t));
	/* device paths are name segments and reasons are ours: no escaping needed */
	PUT(out, "\",\"type\":\"chain\",\"device\":\"");
	cst_abuf_put(out, device, strlen(device));
	PUT(out, "\",\"reason\":\"");
	cst_abuf_put(out, reason, strlen(reason));
	PUT(out, "\",\"prev_seq\":");
	put_u64(out, prev->seq);
	PUT(out, ",\"prev_chain\":");
	put_mac(out, prev->mac);
}

/* --- parsing ------------------------------------------------------------ */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* "hmac-sha256:<64 lower-case hex>" ending just before s[end]; 0 on success. */
static int mac_before(unsigned char out[CST_SHA256_LEN], const char *s, size_t start, size_t end)
{
	if (end < start + TAG_LEN + HEX_LEN)
		return -1;
	const char *h = s + end - HEX_LEN;
	if (memcmp(h - TAG_LEN, TAG, TAG_LEN) != 0)
		return -1;
	for (size_t i = 0; i < CST_SHA256_LEN; i++) {
		int hi = hexval(h[2 * i]), lo = hexval(h[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

/* Digits ending just before s[end], the literal `lit` before them; sets
 * *out and *begin (the offset of lit). 0 on success. */
static int number_before(uint64_t *out, size_t *begin, const char *s, size_t start, size_t end,
                         const char *lit)
{
	size_t d = end;
	while (d > start && s[d - 1] >= '0' && s[d - 1] <= '9' && end - d < 20)
		d--;
	size_t ln = strlen(lit);
	if (d == end || d < start + ln || memcmp(s + d - ln, lit, ln) != 0)
		return -1;
	if (end - d > 1 && s[d] == '0')
		return -1; /* no leading zeros: one spelling per number */
	uint64_t v = 0;
	for (size_t i = d; i < end; i++) {
		uint64_t dig = (uint64_t)(s[i] - '0');
		if (v > (UINT64_MAX - dig) / 10)
			return -1;
		v = v * 10 + dig;
	}
	*out = v;
	*begin = d - ln;
	return 0;
}

int cst_audit_parse_line(cst_audit_line *out, const char *s, size_t len)
{
	memset(out, 0, sizeof(*out));
	const char *brace = memchr(s, '{', len);
	if (brace == NULL)
		return cst_fail(CST_EINVAL, "not an audit entry");
	size_t start = (size_t)(brace - s);
	/* ...,"seq":N,"chain":"hmac-sha256:<hex>"} */
	if (len < start + 2 || s[len - 1] != '}' || s[len - 2] != '"')
		return cst_fail(CST_EINVAL, "entry has no chain (cut short, or not a custos entry)");
	static const char chain_lit[] = ",\"chain\":\"";
	size_t mac_end = len - 2;
	if (mac_before(out->mac, s, start, mac_end) < 0 ||
	    mac_end - HEX_LEN - TAG_LEN < start + sizeof(chain_lit) - 1 ||
	    memcmp(s + mac_end - HEX_LEN - TAG_LEN - (sizeof(chain_lit) - 1), chain_lit,
	           sizeof(chain_lit) - 1) != 0)
		return cst_fail(CST_EINVAL, "entry has no chain (cut short, or not a custos entry)");
	size_t chain_at = mac_end - HEX_LEN - TAG_LEN - (sizeof(chain_lit) - 1);
	size_t seq_at;
	if (number_before(&out->seq, &seq_at, s, start, chain_at, ",\"seq\":") < 0)
		return cst_fail(CST_EINVAL, "entry has no seq");
	out->start = start;
	out->body_end = seq_at;
	out->mac_end = chain_at;
	/* {"time":"...","type":"chain",... */
	static const char time_lit[] = "{\"time\":\"";
	static const char chain_type[] = "\",\"type\":\"chain\"";
	size_t p = start + sizeof(time_lit) - 1;
	if (seq_at < p || memcmp(s + start, time_lit, sizeof(time_lit) - 1) != 0)
		return cst_fail(CST_EINVAL, "entry does not start with its time");
	const char *q = memchr(s + p, '"', seq_at - p);
	if (q == NULL)
		return cst_fail(CST_EINVAL, "entry does not start with its time");
	size_t after = (size_t)(q - s);
	if (after + sizeof(chain_type) - 1 > seq_at ||
	    memcmp(s + after, chain_type, sizeof(chain_type) - 1) != 0 ||
	    s[after + sizeof(chain_type) - 1] != ',')
		return CST_OK; /* a request or response entry */
	/* ...,"prev_seq":N,"prev_chain":"hmac-sha256:<hex>","seq":... */
	out->is_chain = 1;
	static const char prev_lit[] = ",\"prev_chain\":\"";
	if (seq_at < 1 || s[seq_at - 1] != '"' || mac_before(out->prev_mac, s, start, seq_at - 1) < 0)
		return cst_fail(CST_EINVAL, "chain entry has no prev_chain");
	size_t pc = seq_at - 1 - HEX_LEN - TAG_LEN;
	if (pc < start + sizeof(prev_lit) - 1 ||
	    memcmp(s + pc - (sizeof(prev_lit) - 1), prev_lit, sizeof(prev_lit) - 1) != 0)
		return cst_fail(CST_EINVAL, "chain entry has no prev_chain");
	size_t ps;
	if (number_before(&out->prev_seq, &ps, s, after, pc - (sizeof(prev_lit) - 1),
	                  ",\"prev_seq\":") < 0)
		return cst_fail(CST_EINVAL, "chain entry has no prev_seq");
	return CST_OK;
}

/* --- the tail of a file --------------------------------------------------- */

int cst_audit_file_tail(cst_audit_chain *out, int *ends_newline, int fd)
{
	struct stat st;
	*ends_newline = 1;
	if (fstat(fd, &st) != 0)
		return cst_fail(CST_EIO, "cannot stat the audit file: %s", strerror(errno));
	if (st.st_size == 0)
		return CST_ENOTFOUND;
	/* Read backwards a block at a time until the start of the last line. */
	size_t cap = 8192;
	char *buf = NULL;
	int rc = CST_OK;
	for (;;) {
		off_t size = st.st_size;
		size_t want = (size_t)size < cap ? (size_t)size : cap;
		char *nb = malloc(want);
		if (nb == NULL) {
			rc = cst_fail(CST_ENOMEM, "out of memory");
			break;
		}
		free(buf);
		buf = nb;
		ssize_t got = pread(fd, buf, want, size - (off_t)want);
		if (got != (ssize_t)want) {
			rc = cst_fail(CST_EIO, "cannot read the audit file's end");
			break;
		}
		*ends_newline = buf[want - 1] == '\n';
		size_t end = *ends_newline ? want - 1 : want;
		if (!*ends_newline) {
			rc = CST_EINVAL; /* the last line was cut short */
			break;
		}
		size_t b = end;
		while (b > 0 && buf[b - 1] != '\n')
			b--;
		if (b == 0 && want < (size_t)size) {
			if (cap >= ((size_t)64 << 20)) {
				rc = CST_EINVAL;
				break;
			}
			cap *= 4;
			continue;
		}
		cst_audit_line line;
		if (cst_audit_parse_line(&line, buf + b, end - b) < 0) {
			rc = CST_EINVAL;
			break;
		}
		out->seq = line.seq;
		memcpy(out->mac, line.mac, CST_SHA256_LEN);
		break;
	}
	free(buf);
	return rc;
}

/* --- verification ----------------------------------------------------------- */

static int bad(cst_audit_report *r, uint64_t line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int bad(cst_audit_report *r, uint64_t line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
	r->ok = 0;
	r->bad_line = line;
	return CST_OK;
}

void cst_audit_verify_begin(cst_audit_verifier *vf, const cst_mac_key *key)
{
	memset(vf, 0, sizeof(*vf));
	vf->r.ok = 1;
	vf->key = key;
}

/* One line (without its '\n'): CST_OK, with vf->r.ok cleared at the first bad one. */
static int verify_line(cst_audit_verifier *vf, const char *s, size_t len)
{
	cst_audit_report *r = &vf->r;
	cst_audit_chain *at = &vf->at;
	uint64_t n = ++vf->lines;
	cst_audit_line l;
	if (cst_audit_parse_line(&l, s, len) < 0)
		return bad(r, n, "not an audit entry (%s)", cst_errmsg());
	if (n == 1) {
		if (!l.is_chain)
			return bad(r, n, "the log does not begin with a chain entry: entries before "
			                 "seq %llu were removed", (unsigned long long)l.seq);
		at->seq = l.prev_seq;
		memcpy(at->mac, l.prev_mac, CST_SHA256_LEN);
		r->first_seq = l.seq;
	} else if (l.is_chain && (l.prev_seq != at->seq || !cst_ct_equal(l.prev_mac, at->mac, CST_SHA256_LEN))) {
		if (l.prev_seq > at->seq)
			return bad(r, n, "entries %llu to %llu are missing before this chain entry "
			                 "(deleted, or a file left out)",
			           (unsigned long long)at->seq + 1, (unsigned long long)l.prev_seq);
		return bad(r, n, "chain entry continues from seq %llu, but the log is at seq %llu "
		                 "(reordered or spliced)",
		           (unsigned long long)l.prev_seq, (unsigned long long)at->seq);
	}
	if (l.seq != at->seq + 1) {
		if (l.seq > at->seq + 1)
			return bad(r, n, "seq %llu where %llu was expected: entries deleted or moved",
			           (unsigned long long)l.seq, (unsigned long long)at->seq + 1);
		return bad(r, n, "seq %llu where %llu was expected: entries reordered or replayed",
		           (unsigned long long)l.seq, (unsigned long long)at->seq + 1);
	}
	unsigned char mac[CST_SHA256_LEN], digest[CST_SHA256_LEN];
	cst_sha256(digest, s + l.start, l.body_end - l.start);
	int rc = chain_mac(mac, vf->key, at->mac, digest, s + l.body_end, l.mac_end - l.body_end);
	if (rc < 0)
		return rc;
	if (!cst_ct_equal(mac, l.mac, CST_SHA256_LEN))
		return bad(r, n, "seq %llu: entry edited (its MAC does not match)", (unsigned long long)l.seq);
	at->seq = l.seq;
	memcpy(at->mac, mac, CST_SHA256_LEN);
	r->entries++;
	r->last_seq = l.seq;
	return CST_OK;
}

int cst_audit_verify_lines(size_t *used, cst_audit_verifier *vf, const char *data, size_t size)
{
	size_t off = 0;
	while (off < size && vf->r.ok) {
		const char *nl = memchr(data + off, '\n', size - off);
		if (nl == NULL)
			break; /* a partial line: the caller brings the rest, or ends */
		size_t len = (size_t)(nl - (data + off));
		int rc = verify_line(vf, data + off, len);
		if (rc < 0)
			return rc;
		off += len + 1;
	}
	*used = vf->r.ok ? off : size; /* after a bad line nothing more is read */
	return CST_OK;
}

void cst_audit_verify_end(cst_audit_report *out, cst_audit_verifier *vf, size_t partial,
                          const cst_audit_chain *expect)
{
	cst_audit_report *r = &vf->r;
	uint64_t n = vf->lines;
	if (!r->ok)
		;
	else if (partial)
		bad(r, n + 1, "entry cut short (no end of line): the log was truncated");
	else if (n == 0)
		bad(r, 1, "the log is empty");
	else if (expect != NULL && expect->seq > vf->at.seq)
		bad(r, n + 1, "entries %llu to %llu are missing at the end: the log was truncated",
		    (unsigned long long)vf->at.seq + 1, (unsigned long long)expect->seq);
	else if (expect != NULL && expect->seq == vf->at.seq &&
	         !cst_ct_equal(expect->mac, vf->at.mac, CST_SHA256_LEN))
		bad(r, n, "the last entry is not the one the device wrote");
	*out = *r;
}

int cst_audit_verify_buf(cst_audit_report *r, const cst_mac_key *key, const char *data,
                         size_t size, const cst_audit_chain *expect)
{
	cst_audit_verifier vf;
	size_t used = 0;
	cst_audit_verify_begin(&vf, key);
	int rc = cst_audit_verify_lines(&used, &vf, data, size);
	if (rc < 0)
		return rc;
	cst_audit_verify_end(r, &vf, size - used, expect);
	return CST_OK;
}
