#include "cl_entry.h"

#include <string.h>

#include "cl_text.h"

int cl_entry_encode_parts(uint64_t seq, int64_t recv_time, const uint8_t prev[32], const uint8_t *batch_prev,
			  const struct cl_record *rec, msgpack_sbuffer *sb)
{
	msgpack_packer pk;
	int rc;

	msgpack_sbuffer_clear(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	rc = msgpack_pack_array(&pk, 6) || msgpack_pack_uint64(&pk, CL_ENTRY_VERSION) ||
	     msgpack_pack_uint64(&pk, seq) || msgpack_pack_int64(&pk, recv_time) ||
	     msgpack_pack_bin(&pk, 32) || msgpack_pack_bin_body(&pk, prev, 32);
	if (!rc)
		rc = batch_prev ? (msgpack_pack_bin(&pk, 32) || msgpack_pack_bin_body(&pk, batch_prev, 32))
				: msgpack_pack_nil(&pk);
	if (!rc)
		rc = cl_record_pack(rec, true, &pk);
	return rc ? CL_E_NOMEM : 0;
}

int cl_entry_encode(const struct cl_entry *e, msgpack_sbuffer *sb)
{
	return cl_entry_encode_parts(e->seq, e->recv_time, e->prev, e->has_batch_prev ? e->batch_prev : NULL, &e->rec,
				     sb);
}

/*
 * Walks one msgpack value without allocating and checks that no container
 * declares more elements than there are bytes left (each takes at least
 * one): msgpack-c's unpacker allocates for the declared count, so a 5-byte
 * header claiming 4 billion items would otherwise ask for gigabytes.
 * Returns the value's length, or 0 when it is malformed or cut.
 */
static size_t mp_bounded(const uint8_t *p, size_t len)
{
	size_t pos = 0, pending = 1;

	while (pending > 0) {
		uint8_t t;
		uint64_t n = 0, skip = 0;
		size_t hdr = 1;
		if (pos >= len)
			return 0;
		t = p[pos];
		pending--;
		if (t <= 0x7f || t >= 0xe0 || t == 0xc0 || t == 0xc2 || t == 0xc3) {
			/* fixint, nil, bool */
		} else if (t >= 0x80 && t <= 0x8f) {
			n = 2u * (t & 0x0f);
		} else if (t >= 0x90 && t <= 0x9f) {
			n = t & 0x0f;
		} else if (t >= 0xa0 && t <= 0xbf) {
			skip = t & 0x1f;
		} else {
			/* Sized formats: header length and what the size means. */
			size_t w;
			switch (t) {
			case 0xc4: case 0xd9: w = 1; break; /* bin 8, str 8 */
			case 0xc5: case 0xda: w = 2; break;
			case 0xc6: case 0xdb: w = 4; break;
			case 0xdc: w = 2; break; /* array 16 */
			case 0xdd: w = 4; break;
			case 0xde: w = 2; break; /* map 16 */
			case 0xdf: w = 4; break;
			case 0xcc: case 0xd0: skip = 1; w = 0; break;
			case 0xcd: case 0xd1: skip = 2; w = 0; break;
			case 0xce: case 0xd2: case 0xca: skip = 4; w = 0; break;
			case 0xcf: case 0xd3: case 0xcb: skip = 8; w = 0; break;
			case 0xd4: skip = 2; w = 0; break; /* fixext: type + data */
			case 0xd5: skip = 3; w = 0; break;
			case 0xd6: skip = 5; w = 0; break;
			case 0xd7: skip = 9; w = 0; break;
			case 0xd8: skip = 17; w = 0; break;
			case 0xc7: w = 1; break; /* ext 8/16/32: size, then type byte */
			case 0xc8: w = 2; break;
			case 0xc9: w = 4; break;
			default: return 0; /* 0xc1 is never used */
			}
			if (pos + 1 + w > len)
				return 0;
			for (size_t i = 0; i < w; i++)
				n = n << 8 | p[pos + 1 + i];
			hdr = 1 + w;
			if (t == 0xdc || t == 0xdd) {
				/* array: n elements */
			} else if (t == 0xde || t == 0xdf) {
				n *= 2;
			} else if (w) {
				skip = n + (t >= 0xc7 && t <= 0xc9 ? 1 : 0);
				n = 0;
			}
		}
		if (skip > len - pos - hdr || n > len - pos - hdr)
			return 0;
		pos += hdr + (size_t)skip;
		pending += (size_t)n;
	}
	return pos;
}

int cl_entry_signing_input(const uint8_t *e, size_t len, uint8_t *out, size_t cap, size_t *outlen,
			   const uint8_t **sig)
{
	size_t pos = 1, n, o = sizeof(CL_SIG_DOMAIN), k;
	bool found = false;

	if (len < 1 || e[0] != 0x96) /* fixarray of 6 */
		return -1;
	for (int i = 0; i < 5; i++) {
		if ((k = mp_bounded(e + pos, len - pos)) == 0)
			return -1;
		pos += k;
	}
	if (pos >= len)
		return -1;
	if (e[pos] >= 0x80 && e[pos] <= 0x8f) {
		n = e[pos] & 0x0f;
		pos += 1;
	} else if (e[pos] == 0xde && pos + 3 <= len) {
		n = (size_t)e[pos + 1] << 8 | e[pos + 2];
		pos += 3;
	} else {
		return -1;
	}
	if (n == 0 || cap < o + 3 + (len - pos))
		return -1;
	memcpy(out, CL_SIG_DOMAIN, o); /* with its 0 byte */
	if (n - 1 <= 15) {
		out[o++] = (uint8_t)(0x80 | (n - 1));
	} else {
		out[o++] = 0xde;
		out[o++] = (uint8_t)((n - 1) >> 8);
		out[o++] = (uint8_t)(n - 1);
	}
	for (size_t m = 0; m < n; m++) {
		size_t ks = mp_bounded(e + pos, len - pos), vs;
		if (ks == 0 || (vs = mp_bounded(e + pos + ks, len - pos - ks)) == 0)
			return -1;
		if (ks == 4 && memcmp(e + pos, "\xa3sig", 4) == 0) {
			if (vs != 66 || e[pos + 4] != 0xc4 || e[pos + 5] != 64)
				return -1;
			*sig = e + pos + 6;
			found = true;
		} else {
			memcpy(out + o, e + pos, ks + vs);
			o += ks + vs;
		}
		pos += ks + vs;
	}
	if (!found || pos != len)
		return -1;
	*outlen = o;
	return 0;
}

int cl_entry_decode(struct cl_entry *e, const void *buf, size_t len, struct cl_error *err)
{
	msgpack_unpacked up;
	msgpack_sbuffer again;
	const msgpack_object *a;
	size_t off = 0;
	int rc;

	memset(e, 0, sizeof(*e));
	if (len > CL_ENTRY_MAX)
		return cl_error_set(err, CL_E_MALFORMED_ENTRY, "entry is %zu bytes, more than %d", len, CL_ENTRY_MAX);
	if (mp_bounded(buf, len) != len)
		return cl_error_set(err, CL_E_MALFORMED_ENTRY, "not exactly one well-formed msgpack value");
	msgpack_unpacked_init(&up);
	msgpack_sbuffer_init(&again);
	if (msgpack_unpack_next(&up, buf, len, &off) != MSGPACK_UNPACK_SUCCESS) {
		rc = cl_error_set(err, CL_E_MALFORMED_ENTRY, "not a complete msgpack value");
		goto done;
	}
	if (off != len) {
		rc = cl_error_set(err, CL_E_MALFORMED_ENTRY, "%zu trailing bytes after the entry", len - off);
		goto done;
	}
	a = &up.data;
	if (a->type != MSGPACK_OBJECT_ARRAY || a->via.array.size != 6) {
		rc = cl_error_set(err, CL_E_MALFORMED_ENTRY, "an entry must be a msgpack array of 6");
		goto done;
	}
	const msgpack_object *v = a->via.array.ptr;
	if (v[0].type != MSGPACK_OBJECT_POSITIVE_INTEGER || v[0].via.u64 != CL_ENTRY_VERSION) {
		rc = cl_error_set(err, CL_E_MALFORMED_ENTRY, "unknown entry format version");
		goto done;
	}
	if (v[1].type != MSGPACK_OBJECT_POSITIVE_INTEGER) {
		rc = cl_error_set(err, CL_E_MALFORMED_ENTRY, "seq must be an unsigned integer");
		goto done;
	}
	e->seq = v[1].via.u64;
	if (v[2].type == MSGPACK_OBJECT_POSITIVE_INTEGER && v[2].via.u64 <= (uint64_t)CL_TIME_MAX)
		e->recv_time = (int64_t)v[2].via.u64;
	else if (v[2].type == MSGPACK_OBJECT_NEGATIVE_INTEGER && v[2].via.i64 >= CL_TIME_MIN)
		e->recv_time = v[2].via.i64;
	else {
		rc = cl_error_set(err, CL_E_MALFORMED_ENTRY, "receive time must be an integer within years 0000-9999");
		goto done;
	}
	if (v[3].type != MSGPACK_OBJECT_BIN || v[3].via.bin.size != 32) {
		rc = cl_error_set(err, CL_E_MALFORMED_ENTRY, "prev must be bin of 32 bytes");
		goto done;
	}
	memcpy(e->prev, v[3].via.bin.ptr, 32);
	if (v[4].type == MSGPACK_OBJECT_BIN && v[4].via.bin.size == 32) {
		e->has_batch_prev = true;
		memcpy(e->batch_prev, v[4].via.bin.ptr, 32);
	} else if (v[4].type != MSGPACK_OBJECT_NIL) {
		rc = cl_error_set(err, CL_E_MALFORMED_ENTRY, "batch_prev must be bin of 32 bytes or nil");
		goto done;
	}
	if ((rc = cl_record_unpack(&e->rec, &v[5], err)))
		goto done;
	/* One and only one encoding: re-encode and compare every byte. */
	if (cl_entry_encode(e, &again)) {
		rc = cl_error_set(err, CL_E_NOMEM, "out of memory");
		goto done;
	}
	if (again.size != len || memcmp(again.data, buf, len) != 0) {
		rc = cl_error_set(err, CL_E_MALFORMED_ENTRY, "entry is not in canonical form");
		goto done;
	}
	rc = 0;
done:
	msgpack_sbuffer_destroy(&again);
	msgpack_unpacked_destroy(&up);
	return rc;
}

json_t *cl_entry_to_json(const struct cl_entry *e, const uint8_t hash[32])
{
	char hex[65], t[21];
	json_t *o = json_object();
	if (o == NULL)
		return NULL;
	cl_hex_encode(hex, hash, 32);
	cl_time_format(t, e->recv_time);
	json_object_set_new(o, "seq", json_integer((json_int_t)e->seq));
	json_object_set_new(o, "hash", json_string(hex));
	cl_hex_encode(hex, e->prev, 32);
	json_object_set_new(o, "prev", json_string(hex));
	if (e->has_batch_prev) {
		cl_hex_encode(hex, e->batch_prev, 32);
		json_object_set_new(o, "batch_prev", json_string(hex));
	} else {
		json_object_set_new(o, "batch_prev", json_null());
	}
	json_object_set_new(o, "time", json_string(t));
	json_object_set_new(o, "record", cl_record_to_json(&e->rec));
	return o;
}
