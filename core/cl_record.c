/*
 * cl_record.c - the schema-driven record engine: JSON <-> struct <-> msgpack.
 * Nothing in here knows a record type by name: every rule comes from the
 * tables of schemas/records.def (cl_schema.c).
 */
#include "cl_record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cl_json.h"
#include "cl_schema.h"
#include "cl_text.h"

#define PATH_MAX_LEN 96

/* Which side a value came from decides the status of a bad value. */
enum origin { FROM_JSON, FROM_MSGPACK };

static int bad(struct cl_error *err, enum origin from, const char *path, const char *fmt, const char *why)
{
	return cl_error_set(err, from == FROM_JSON ? CL_E_BAD_FIELD : CL_E_MALFORMED_ENTRY, "%s: %s",
			    path, fmt ? fmt : why);
}

/* out = a followed by b, cut to fit as snprintf would; on every field of
 * every record, so without snprintf's cost. */
static void path_join(char *out, size_t cap, const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	if (na > cap - 1)
		na = cap - 1;
	if (nb > cap - 1 - na)
		nb = cap - 1 - na;
	memcpy(out, a, na);
	memcpy(out + na, b, nb);
	out[na + nb] = '\0';
}

static int word_index(const char *const *words, const char *s, size_t len)
{
	for (int i = 0; words[i]; i++)
		if (strlen(words[i]) == len && memcmp(words[i], s, len) == 0)
			return i;
	return -1;
}

static void word_list(char *out, size_t outlen, const char *const *words)
{
	size_t o = 0;
	out[0] = '\0';
	for (int i = 0; words[i] && o + 1 < outlen; i++)
		o += (size_t)snprintf(out + o, outlen - o, "%s\"%s\"", i ? ", " : "", words[i]);
}

uint32_t cl_record_roles_needed(const struct cl_record *rec)
{
	switch (rec->type) {
	case CL_REC_CHEMICAL:
	case CL_REC_PARTY:
	case CL_REC_REVOKE: return 1u << CL_ROLE_AUTHORITY;
	case CL_REC_BATCH:
		return rec->origin == CL_ORIGIN_IMPORT ? 1u << CL_ROLE_IMPORTER : 1u << CL_ROLE_PRODUCER;
	case CL_REC_SALE: return 1u << CL_ROLE_VENDOR;
	case CL_REC_CHECK: return 1u << CL_ROLE_INSPECTOR;
	case CL_REC_LOSS: return 1u << CL_ROLE_VENDOR | 1u << CL_ROLE_END_USER;
	default: return 0;
	}
}

void cl_roles_text(char *out, size_t n, uint32_t set)
{
	size_t o = 0;
	out[0] = '\0';
	for (int b = 0; cl_words_role[b] && o + 1 < n; b++)
		if (set & (1u << b))
			o += (size_t)snprintf(out + o, n - o, "%s%s", o ? " or " : "", cl_words_role[b]);
	if (o == 0)
		snprintf(out, n, "none");
}

const char *cl_record_type_name(uint32_t type)
{
	return type < CL_REC_TYPE_COUNT ? cl_words_type[type] : "?";
}

/* ---- checks shared by both directions ------------------------------------ */

/* Validates a string value of a text-like kind and copies it NUL-terminated. */
static int take_string(const struct cl_field *f, const char *s, size_t len, void *dst, enum origin from,
		       const char *path, struct cl_error *err)
{
	char why[CL_WHY_MAX];
	bool ok;

	switch (f->kind) {
	case CL_K_ID: ok = cl_text_id_valid(s, len, why); break;
	case CL_K_TOKEN: ok = cl_text_token_valid(s, len, f->max, why); break;
	case CL_K_TEXT: ok = cl_text_utf8_valid(s, len, f->max, why); break;
	case CL_K_CAS: ok = cl_cas_valid(s, len, why); break;
	default: ok = false; snprintf(why, sizeof(why), "internal: not a string kind");
	}
	if (!ok)
		return bad(err, from, path, NULL, why);
	if (len + 1 > f->size)
		return bad(err, from, path, "is too long", NULL);
	memcpy(dst, s, len);
	((char *)dst)[len] = '\0';
	return 0;
}

static int take_word(const struct cl_field *f, const char *s, size_t len, uint32_t *dst, enum origin from,
		     const char *path, struct cl_error *err)
{
	char list[160];
	int i = word_index(f->aux, s, len);
	if (i < 0) {
		word_list(list, sizeof(list), f->aux);
		return cl_error_set(err, from == FROM_JSON ? CL_E_BAD_FIELD : CL_E_MALFORMED_ENTRY,
				    "%s: \"%.*s\" is not one of %s", path, (int)(len > 40 ? 40 : len), s, list);
	}
	*dst = (uint32_t)i;
	return 0;
}

static int take_int(const struct cl_field *f, int64_t v, uint32_t *dst, enum origin from, const char *path,
		    struct cl_error *err)
{
	int64_t lo = f->kind == CL_K_CAT ? 1 : 0;
	if (v < lo || v > (int64_t)f->max) {
		char why[CL_WHY_MAX];
		snprintf(why, sizeof(why), "must be an integer from %lld to %u, got %lld", (long long)lo, f->max,
			 (long long)v);
		return bad(err, from, path, NULL, why);
	}
	*dst = (uint32_t)v;
	return 0;
}

static int take_bit(int64_t v, uint32_t *set, int64_t lo, int64_t hi, enum origin from, const char *path,
		    struct cl_error *err)
{
	char why[CL_WHY_MAX];
	if (v < lo || v > hi) {
		snprintf(why, sizeof(why), "%lld is out of range %lld-%lld", (long long)v, (long long)lo,
			 (long long)hi);
		return bad(err, from, path, NULL, why);
	}
	if (*set & (1u << v))
		return bad(err, from, path, "lists a value twice", NULL);
	*set |= 1u << v;
	return 0;
}

/*
 * After all fields of one object are in: required fields, quantities put in
 * base units and range-checked, times within range, cross-field rules.
 */
static int finish_object(const struct cl_schema *s, void *base, enum origin from, const char *path,
			 struct cl_error *err)
{
	uint32_t present = *(uint32_t *)base;
	char fp[PATH_MAX_LEN + 64];

	for (unsigned i = 0; i < s->n_fields; i++) {
		const struct cl_field *f = &s->fields[i];
		if (!(present & (1u << i))) {
			if (f->required)
				return cl_error_set(err, from == FROM_JSON ? CL_E_BAD_FIELD : CL_E_MALFORMED_ENTRY,
						    "%s%smissing field \"%s\"", path, path[0] ? " " : "", f->name);
			continue;
		}
		if (f->kind == CL_K_QTY || f->kind == CL_K_TIME)
			path_join(fp, sizeof(fp), path, f->name);
		if (f->kind == CL_K_QTY) {
			struct cl_quantity *q = (struct cl_quantity *)((char *)base + f->offset);
			if (from == FROM_JSON) {
				/* The JSON parser left thousandths in q->base. */
				if (q->uom == CL_UOM_GRM || q->uom == CL_UOM_MLT) {
					if (q->base % 1000 != 0)
						return cl_error_set(err, CL_E_BAD_FIELD,
								    "%s: %s quantities are whole numbers", fp,
								    cl_uom_code((int)q->uom));
					q->base /= 1000;
				}
			}
			if (q->base == 0)
				return bad(err, from, fp, "must be greater than 0", NULL);
			if (q->base > CL_QTY_MAX)
				return bad(err, from, fp, "is larger than 10^15 base units (grams or millilitres)",
					   NULL);
		}
		if (f->kind == CL_K_TIME) {
			int64_t t = *(int64_t *)((char *)base + f->offset);
			if (t < CL_TIME_MIN || t > CL_TIME_MAX)
				return bad(err, from, fp, "is outside years 0000-9999", NULL);
		}
	}
	if (s == &cl_schema_licence) {
		const struct cl_licence *l = base;
		if (l->valid_until < l->valid_from)
			return cl_error_set(err, from == FROM_JSON ? CL_E_BAD_FIELD : CL_E_MALFORMED_ENTRY,
					    "%svalid_until: is before valid_from", path);
	}
	return 0;
}

/* ---- JSON in ------------------------------------------------------------- */

static int json_object_in(const struct cl_schema *s, const struct cl_json *j, uint32_t obj, void *base,
			  const char *path, struct cl_error *err);

static int json_value_in(const struct cl_field *f, const struct cl_json *j, uint32_t at, void *dst, const char *path,
			 struct cl_error *err)
{
	char why[CL_WHY_MAX];
	const struct cl_jtok *v = &j->t[at];
	const char *str = v->type == CL_J_STR ? v->s : NULL;
	size_t len = str ? v->len : 0;

	switch (f->kind) {
	case CL_K_TYPE:
		return 0; /* matched before the schema was chosen */
	case CL_K_ID:
	case CL_K_TOKEN:
	case CL_K_TEXT:
	case CL_K_CAS:
		if (!str)
			return cl_error_set(err, CL_E_BAD_FIELD, "%s: must be a string", path);
		return take_string(f, str, len, dst, FROM_JSON, path, err);
	case CL_K_ENUM:
		if (!str)
			return cl_error_set(err, CL_E_BAD_FIELD, "%s: must be a string", path);
		return take_word(f, str, len, dst, FROM_JSON, path, err);
	case CL_K_INT:
	case CL_K_CAT:
		if (v->type != CL_J_INT)
			return cl_error_set(err, CL_E_BAD_FIELD, "%s: must be an integer", path);
		return take_int(f, v->i, dst, FROM_JSON, path, err);
	case CL_K_ROLES:
	case CL_K_CATS: {
		char ip[PATH_MAX_LEN + 80];
		uint32_t *set = dst, item = at + 1;
		if (v->type != CL_J_ARR || v->n == 0)
			return cl_error_set(err, CL_E_BAD_FIELD, "%s: must be a non-empty array", path);
		*set = 0;
		for (uint32_t i = 0; i < v->n; i++, item = j->t[item].end) {
			const struct cl_jtok *it = &j->t[item];
			int rc;
			snprintf(ip, sizeof(ip), "%s[%u]", path, i);
			if (f->kind == CL_K_ROLES) {
				uint32_t w;
				if (it->type != CL_J_STR)
					return cl_error_set(err, CL_E_BAD_FIELD, "%s: must be a string", ip);
				if ((rc = take_word(f, it->s, it->len, &w, FROM_JSON, ip, err)))
					return rc;
				if ((rc = take_bit(w, set, 0, 31, FROM_JSON, ip, err)))
					return rc;
			} else {
				if (it->type != CL_J_INT)
					return cl_error_set(err, CL_E_BAD_FIELD, "%s: must be an integer 1-3", ip);
				if ((rc = take_bit(it->i, set, 1, 3, FROM_JSON, ip, err)))
					return rc;
			}
		}
		return 0;
	}
	case CL_K_QTY:
		if (!str)
			return cl_error_set(err, CL_E_BAD_FIELD,
					    "%s: must be a decimal string like \"500.250\"", path);
		if (!cl_qty_parse_milli(str, len, &((struct cl_quantity *)dst)->base, why))
			return cl_error_set(err, CL_E_BAD_FIELD, "%s: %s", path, why);
		return 0;
	case CL_K_UOM: {
		int u = str ? cl_uom_from_code(str, len) : -1;
		if (u < 0)
			return cl_error_set(err, CL_E_BAD_FIELD, "%s: must be one of \"KGM\", \"GRM\", \"LTR\", \"MLT\"",
					    path);
		((struct cl_quantity *)dst)->uom = (uint32_t)u;
		return 0;
	}
	case CL_K_TIME:
		if (!str)
			return cl_error_set(err, CL_E_BAD_FIELD, "%s: must be an RFC 3339 string", path);
		if (!cl_time_parse(str, len, dst, why))
			return cl_error_set(err, CL_E_BAD_FIELD, "%s: %s", path, why);
		return 0;
	case CL_K_KEY:
	case CL_K_SIG:
		if (!str)
			return cl_error_set(err, CL_E_BAD_FIELD, "%s: must be a base64 string", path);
		if (!cl_base64_decode_exact(dst, f->kind == CL_K_KEY ? 32 : 64, str, len, why))
			return cl_error_set(err, f->kind == CL_K_KEY ? CL_E_BAD_FIELD : CL_E_BAD_SIGNATURE,
					    "%s: %s", path, why);
		return 0;
	case CL_K_LICENCES: {
		struct cl_licence_list *list = dst;
		char ip[PATH_MAX_LEN + 80];
		uint32_t item = at + 1;
		if (v->type != CL_J_ARR)
			return cl_error_set(err, CL_E_BAD_FIELD, "%s: must be an array", path);
		if (v->n > f->max)
			return cl_error_set(err, CL_E_BAD_FIELD, "%s: at most %u licences", path, f->max);
		list->n = 0;
		for (uint32_t i = 0; i < v->n; i++, item = j->t[item].end) {
			int rc;
			snprintf(ip, sizeof(ip), "%s[%u].", path, i);
			if (j->t[item].type != CL_J_OBJ)
				return cl_error_set(err, CL_E_BAD_FIELD, "%s[%u]: must be an object", path, i);
			rc = json_object_in(f->aux, j, item, &list->items[i], ip, err);
			if (rc)
				return rc;
			list->n++;
		}
		return 0;
	}
	case CL_K_LIMIT: {
		char ip[PATH_MAX_LEN + 80];
		if (v->type != CL_J_OBJ)
			return cl_error_set(err, CL_E_BAD_FIELD, "%s: must be an object", path);
		path_join(ip, sizeof(ip), path, ".");
		return json_object_in(f->aux, j, at, dst, ip, err);
	}
	}
	return cl_error_set(err, CL_E_BAD_FIELD, "%s: internal: unknown kind", path);
}

static int json_object_in(const struct cl_schema *s, const struct cl_json *j, uint32_t obj, void *base,
			  const char *path, struct cl_error *err)
{
	uint32_t *present = base, k = obj + 1;
	char fp[PATH_MAX_LEN + 64];

	if (strlen(path) > PATH_MAX_LEN)
		return cl_error_set(err, CL_E_BAD_FIELD, "%s: nested too deeply", path);
	*present = 0;
	for (uint32_t m = 0; m < j->t[obj].n; m++, k = j->t[k + 1].end) {
		const char *key = j->t[k].s;
		size_t klen = j->t[k].len;
		int i = cl_schema_find(s, key, klen);
		int rc;
		if (i < 0 || strlen(key) != klen) /* a key with an escaped NUL is no field */
			return cl_error_set(err, CL_E_BAD_FIELD, "%s%sunknown field \"%.*s\" in a %s", path,
					    path[0] ? " " : "", (int)(klen > 40 ? 40 : klen), key, s->name);
		path_join(fp, sizeof(fp), path, key);
		rc = json_value_in(&s->fields[i], j, k + 1, (char *)base + s->fields[i].offset, fp, err);
		if (rc)
			return rc;
		*present |= 1u << i;
	}
	return finish_object(s, base, FROM_JSON, path, err);
}

int cl_record_parse_json(struct cl_record *rec, const char *line, size_t len, struct cl_error *err)
{
	struct cl_json j;
	char msg[CL_ERROR_MSG_MAX];
	int64_t t, id;
	int type, rc;

	memset(rec, 0, sizeof(*rec));
	if (len > CL_LINE_MAX)
		return cl_error_set(err, CL_E_MALFORMED_JSON, "line is longer than %d bytes", CL_LINE_MAX);
	if (cl_json_parse(&j, line, len, msg, sizeof(msg))) {
		cl_json_free(&j);
		return cl_error_set(err, CL_E_MALFORMED_JSON, "%s", msg);
	}
	if (j.t[0].type != CL_J_OBJ) {
		cl_json_free(&j);
		return cl_error_set(err, CL_E_MALFORMED_JSON, "a record must be a JSON object");
	}
	t = cl_json_get(&j, 0, "type");
	if (t < 0) {
		rc = cl_error_set(err, CL_E_BAD_FIELD, "missing field \"type\"");
		goto done;
	}
	if (j.t[t].type != CL_J_STR) {
		rc = cl_error_set(err, CL_E_BAD_FIELD, "type: must be a string");
		goto done;
	}
	type = word_index(cl_words_type, j.t[t].s, j.t[t].len);
	if (type < 0) {
		char list[160];
		word_list(list, sizeof(list), cl_words_type + 1);
		rc = cl_error_set(err, CL_E_BAD_FIELD, "type: \"%.40s\" is not one of %s", j.t[t].s, list);
		goto done;
	}
	rec->type = (uint32_t)type;
	rc = json_object_in(cl_schema_records[type], &j, 0, rec, "", err);
done:
	if (rc) {
		/* Keep what the caller needs to name the line: its "id", if a string. */
		memset(rec, 0, sizeof(*rec));
		id = cl_json_get(&j, 0, "id");
		if (id >= 0 && j.t[id].type == CL_J_STR)
			snprintf(rec->id, sizeof(rec->id), "%s", j.t[id].s);
	}
	cl_json_free(&j);
	return rc;
}

/* ---- JSON out ------------------------------------------------------------ */

static json_t *json_object_out(const struct cl_schema *s, const void *base);

static json_t *json_value_out(const struct cl_field *f, const void *p, const void *base, const struct cl_schema *s)
{
	char buf[128];

	switch (f->kind) {
	case CL_K_TYPE:
		return json_string(s->name);
	case CL_K_ID:
	case CL_K_TOKEN:
	case CL_K_TEXT:
	case CL_K_CAS:
		return json_string(p);
	case CL_K_ENUM:
		return json_string(((const char *const *)f->aux)[*(const uint32_t *)p]);
	case CL_K_INT:
	case CL_K_CAT:
		return json_integer(*(const uint32_t *)p);
	case CL_K_ROLES:
	case CL_K_CATS: {
		json_t *a = json_array();
		uint32_t set = *(const uint32_t *)p;
		for (int b = 0; a && b < 32; b++) {
			if (!(set & (1u << b)))
				continue;
			json_array_append_new(a, f->kind == CL_K_ROLES
							 ? json_string(((const char *const *)f->aux)[b])
							 : json_integer(b));
		}
		return a;
	}
	case CL_K_QTY: {
		const struct cl_quantity *q = p;
		cl_qty_format(buf, (int64_t)q->base, (int)q->uom);
		return json_string(buf);
	}
	case CL_K_UOM:
		return json_string(cl_uom_code((int)((const struct cl_quantity *)p)->uom));
	case CL_K_TIME:
		cl_time_format(buf, *(const int64_t *)p);
		return json_string(buf);
	case CL_K_KEY:
	case CL_K_SIG:
		cl_base64_encode(buf, p, f->kind == CL_K_KEY ? 32 : 64);
		return json_string(buf);
	case CL_K_LICENCES: {
		const struct cl_licence_list *list = p;
		json_t *a = json_array();
		for (uint32_t i = 0; a && i < list->n; i++)
			json_array_append_new(a, json_object_out(f->aux, &list->items[i]));
		return a;
	}
	case CL_K_LIMIT:
		return json_object_out(f->aux, p);
	}
	(void)base;
	return NULL;
}

static json_t *json_object_out(const struct cl_schema *s, const void *base)
{
	uint32_t present = *(const uint32_t *)base;
	json_t *o = json_object();

	/* Schema order, but the signature last: it is about all the rest. */
	for (unsigned k = 0; o && k < 2 * s->n_fields; k++) {
		unsigned i = k % s->n_fields;
		const struct cl_field *f = &s->fields[i];
		if (!(present & (1u << i)) || (k < s->n_fields) == (f->kind == CL_K_SIG))
			continue;
		if (json_object_set_new(o, f->name, json_value_out(f, (const char *)base + f->offset, base, s))) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

json_t *cl_record_to_json(const struct cl_record *rec)
{
	if (rec->type >= CL_REC_TYPE_COUNT)
		return NULL;
	return json_object_out(cl_schema_records[rec->type], rec);
}

/* ---- msgpack out (canonical) -------------------------------------------- */

static int pack_object(const struct cl_schema *s, const void *base, bool with_sig, msgpack_packer *pk);

static int pack_str(msgpack_packer *pk, const char *s)
{
	size_t n = strlen(s);
	return msgpack_pack_str(pk, n) || msgpack_pack_str_body(pk, s, n);
}

static int pack_value(const struct cl_field *f, const void *p, const struct cl_schema *s, msgpack_packer *pk)
{
	switch (f->kind) {
	case CL_K_TYPE: return pack_str(pk, s->name);
	case CL_K_ID:
	case CL_K_TOKEN:
	case CL_K_TEXT:
	case CL_K_CAS: return pack_str(pk, p);
	case CL_K_ENUM: return pack_str(pk, ((const char *const *)f->aux)[*(const uint32_t *)p]);
	case CL_K_INT:
	case CL_K_CAT: return msgpack_pack_uint64(pk, *(const uint32_t *)p);
	case CL_K_ROLES:
	case CL_K_CATS: {
		uint32_t set = *(const uint32_t *)p;
		int rc = msgpack_pack_array(pk, (size_t)__builtin_popcount(set));
		for (int b = 0; !rc && b < 32; b++)
			if (set & (1u << b))
				rc = f->kind == CL_K_ROLES ? pack_str(pk, ((const char *const *)f->aux)[b])
							   : msgpack_pack_uint64(pk, (uint64_t)b);
		return rc;
	}
	case CL_K_QTY: return msgpack_pack_uint64(pk, ((const struct cl_quantity *)p)->base);
	case CL_K_UOM: return pack_str(pk, cl_uom_code((int)((const struct cl_quantity *)p)->uom));
	case CL_K_TIME: return msgpack_pack_int64(pk, *(const int64_t *)p);
	case CL_K_KEY:
	case CL_K_SIG: {
		size_t n = f->kind == CL_K_KEY ? 32 : 64;
		return msgpack_pack_bin(pk, n) || msgpack_pack_bin_body(pk, p, n);
	}
	case CL_K_LICENCES: {
		const struct cl_licence_list *list = p;
		int rc = msgpack_pack_array(pk, list->n);
		for (uint32_t i = 0; !rc && i < list->n; i++)
			rc = pack_object(f->aux, &list->items[i], true, pk);
		return rc;
	}
	case CL_K_LIMIT: return pack_object(f->aux, p, true, pk);
	}
	return -1;
}

static int pack_object(const struct cl_schema *s, const void *base, bool with_sig, msgpack_packer *pk)
{
	uint32_t present = *(const uint32_t *)base;
	const uint8_t *order = cl_schema_order(s);
	unsigned n = 0;
	int rc;

	for (unsigned i = 0; i < s->n_fields; i++)
		if ((present & (1u << i)) && (with_sig || s->fields[i].kind != CL_K_SIG))
			n++;
	rc = msgpack_pack_map(pk, n);
	for (unsigned k = 0; !rc && k < s->n_fields; k++) {
		const struct cl_field *f = &s->fields[order[k]];
		if (!(present & (1u << order[k])) || (!with_sig && f->kind == CL_K_SIG))
			continue;
		rc = msgpack_pack_str(pk, f->name_len) || msgpack_pack_str_body(pk, f->name, f->name_len) ||
		     pack_value(f, (const char *)base + f->offset, s, pk);
	}
	return rc ? CL_E_NOMEM : 0;
}

int cl_record_pack(const struct cl_record *rec, bool with_sig, msgpack_packer *pk)
{
	if (rec->type >= CL_REC_TYPE_COUNT)
		return CL_E_USAGE;
	return pack_object(cl_schema_records[rec->type], rec, with_sig, pk);
}

int cl_record_signing_input(const struct cl_record *rec, msgpack_sbuffer *sb)
{
	msgpack_packer pk;

	msgpack_sbuffer_clear(sb);
	if (msgpack_sbuffer_write(sb, CL_SIG_DOMAIN, sizeof(CL_SIG_DOMAIN)))
		return CL_E_NOMEM; /* sizeof includes the terminating 0 byte */
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	return cl_record_pack(rec, false, &pk);
}

bool cl_record_same_content(const struct cl_record *a, const struct cl_record *b)
{
	msgpack_sbuffer sa, sb;
	msgpack_packer pa, pb;
	bool same;

	if (a->type != b->type)
		return false;
	msgpack_sbuffer_init(&sa);
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pa, &sa, msgpack_sbuffer_write);
	msgpack_packer_init(&pb, &sb, msgpack_sbuffer_write);
	same = cl_record_pack(a, false, &pa) == 0 && cl_record_pack(b, false, &pb) == 0 && sa.size == sb.size &&
	       memcmp(sa.data, sb.data, sa.size) == 0;
	msgpack_sbuffer_destroy(&sa);
	msgpack_sbuffer_destroy(&sb);
	return same;
}

bool cl_record_has(const struct cl_record *rec, const char *name)
{
	int i;
	if (rec->type >= CL_REC_TYPE_COUNT)
		return false;
	i = cl_schema_find(cl_schema_records[rec->type], name, strlen(name));
	return i >= 0 && (rec->present & (1u << i));
}

int cl_record_mark(struct cl_record *rec, const char *name)
{
	int i;
	if (rec->type >= CL_REC_TYPE_COUNT)
		return CL_E_USAGE;
	i = cl_schema_find(cl_schema_records[rec->type], name, strlen(name));
	if (i < 0)
		return CL_E_USAGE;
	rec->present |= 1u << i;
	return 0;
}

/* ---- msgpack in (strict) ------------------------------------------------ */

static int unpack_object(const struct cl_schema *s, const msgpack_object *obj, void *base, const char *path,
			 struct cl_error *err);

static int mp_int(const msgpack_object *o, int64_t *out)
{
	if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER && o->via.u64 <= INT64_MAX) {
		*out = (int64_t)o->via.u64;
		return 0;
	}
	if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
		*out = o->via.i64;
		return 0;
	}
	return -1;
}

static int unpack_value(const struct cl_field *f, const msgpack_object *v, void *dst, const struct cl_schema *s,
			const char *path, struct cl_error *err)
{
	int64_t n;
	const char *str = v->type == MSGPACK_OBJECT_STR ? v->via.str.ptr : NULL;
	size_t len = str ? v->via.str.size : 0;

	switch (f->kind) {
	case CL_K_TYPE:
		if (!str || len != strlen(s->name) || memcmp(str, s->name, len) != 0)
			return cl_error_set(err, CL_E_MALFORMED_ENTRY, "%s: does not match the schema", path);
		return 0;
	case CL_K_ID:
	case CL_K_TOKEN:
	case CL_K_TEXT:
	case CL_K_CAS:
		if (!str)
			return cl_error_set(err, CL_E_MALFORMED_ENTRY, "%s: must be a msgpack str", path);
		return take_string(f, str, len, dst, FROM_MSGPACK, path, err);
	case CL_K_ENUM:
		if (!str)
			return cl_error_set(err, CL_E_MALFORMED_ENTRY, "%s: must be a msgpack str", path);
		return take_word(f, str, len, dst, FROM_MSGPACK, path, err);
	case CL_K_INT:
	case CL_K_CAT:
		if (mp_int(v, &n))
			return cl_error_set(err, CL_E_MALFORMED_ENTRY, "%s: must be an integer", path);
		return take_int(f, n, dst, FROM_MSGPACK, path, err);
	case CL_K_ROLES:
	case CL_K_CATS: {
		uint32_t *set = dst;
		char ip[PATH_MAX_LEN + 80];
		if (v->type != MSGPACK_OBJECT_ARRAY || v->via.array.size == 0)
			return cl_error_set(err, CL_E_MALFORMED_ENTRY, "%s: must be a non-empty array", path);
		*set = 0;
		for (uint32_t i = 0; i < v->via.array.size; i++) {
			const msgpack_object *it = &v->via.array.ptr[i];
			int rc;
			snprintf(ip, sizeof(ip), "%s[%u]", path, i);
			if (f->kind == CL_K_ROLES) {
				uint32_t w;
				if (it->type != MSGPACK_OBJECT_STR)
					return cl_error_set(err, CL_E_MALFORMED_ENTRY, "%s: must be a str", ip);
				if ((rc = take_word(f, it->via.str.ptr, it->via.str.size, &w, FROM_MSGPACK, ip, err)))
					return rc;
				if ((rc = take_bit(w, set, 0, 31, FROM_MSGPACK, ip, err)))
					return rc;
			} else {
				if (mp_int(it, &n))
					return cl_error_set(err, CL_E_MALFORMED_ENTRY, "%s: must be an integer", ip);
				if ((rc = take_bit(n, set, 1, 3, FROM_MSGPACK, ip, err)))
					return rc;
			}
		}
		return 0;
	}
	case CL_K_QTY:
		if (v->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
			return cl_error_set(err, CL_E_MALFORMED_ENTRY, "%s: must be a positive integer", path);
		((struct cl_quantity *)dst)->base = v->via.u64;
		return 0;
	case CL_K_UOM: {
		int u = str ? cl_uom_from_code(str, len) : -1;
		if (u < 0)
			return cl_error_set(err, CL_E_MALFORMED_ENTRY, "%s: unknown unit", path);
		((struct cl_quantity *)dst)->uom = (uint32_t)u;
		return 0;
	}
	case CL_K_TIME:
		if (mp_int(v, &n))
			return cl_error_set(err, CL_E_MALFORMED_ENTRY, "%s: must be an integer", path);
		*(int64_t *)dst = n;
		return 0;
	case CL_K_KEY:
	case CL_K_SIG: {
		uint32_t want = f->kind == CL_K_KEY ? 32 : 64;
		if (v->type != MSGPACK_OBJECT_BIN || v->via.bin.size != want)
			return cl_error_set(err, CL_E_MALFORMED_ENTRY, "%s: must be bin of %u bytes", path, want);
		memcpy(dst, v->via.bin.ptr, want);
		return 0;
	}
	case CL_K_LICENCES: {
		struct cl_licence_list *list = dst;
		char ip[PATH_MAX_LEN + 80];
		if (v->type != MSGPACK_OBJECT_ARRAY || v->via.array.size > f->max)
			return cl_error_set(err, CL_E_MALFORMED_ENTRY, "%s: must be an array of at most %u", path,
					    f->max);
		list->n = 0;
		for (uint32_t i = 0; i < v->via.array.size; i++) {
			int rc;
			snprintf(ip, sizeof(ip), "%s[%u].", path, i);
			if ((rc = unpack_object(f->aux, &v->via.array.ptr[i], &list->items[i], ip, err)))
				return rc;
			list->n++;
		}
		return 0;
	}
	case CL_K_LIMIT: {
		char ip[PATH_MAX_LEN + 80];
		path_join(ip, sizeof(ip), path, ".");
		return unpack_object(f->aux, v, dst, ip, err);
	}
	}
	return cl_error_set(err, CL_E_MALFORMED_ENTRY, "%s: internal: unknown kind", path);
}

static int unpack_object(const struct cl_schema *s, const msgpack_object *obj, void *base, const char *path,
			 struct cl_error *err)
{
	uint32_t *present = base;
	char fp[PATH_MAX_LEN + 64];

	if (obj->type != MSGPACK_OBJECT_MAP)
		return cl_error_set(err, CL_E_MALFORMED_ENTRY, "%s: must be a msgpack map", path[0] ? path : s->name);
	if (strlen(path) > PATH_MAX_LEN)
		return cl_error_set(err, CL_E_MALFORMED_ENTRY, "%s: nested too deeply", path);
	*present = 0;
	for (uint32_t k = 0; k < obj->via.map.size; k++) {
		const msgpack_object *key = &obj->via.map.ptr[k].key;
		int i, rc;
		if (key->type != MSGPACK_OBJECT_STR)
			return cl_error_set(err, CL_E_MALFORMED_ENTRY, "%s: map key %u is not a str", s->name, k);
		i = cl_schema_find(s, key->via.str.ptr, key->via.str.size);
		if (i < 0)
			return cl_error_set(err, CL_E_MALFORMED_ENTRY, "%sunknown field \"%.*s\" in a %s record", path,
					    (int)(key->via.str.size > 40 ? 40 : key->via.str.size), key->via.str.ptr,
					    s->name);
		if (*present & (1u << i))
			return cl_error_set(err, CL_E_MALFORMED_ENTRY, "%sfield \"%s\" appears twice", path,
					    s->fields[i].name);
		path_join(fp, sizeof(fp), path, s->fields[i].name);
		rc = unpack_value(&s->fields[i], &obj->via.map.ptr[k].val, (char *)base + s->fields[i].offset, s, fp,
				  err);
		if (rc)
			return rc;
		*present |= 1u << i;
	}
	return finish_object(s, base, FROM_MSGPACK, path, err);
}

int cl_record_unpack(struct cl_record *rec, const msgpack_object *obj, struct cl_error *err)
{
	int type = -1;

	memset(rec, 0, sizeof(*rec));
	if (obj->type != MSGPACK_OBJECT_MAP)
		return cl_error_set(err, CL_E_MALFORMED_ENTRY, "record: must be a msgpack map");
	for (uint32_t k = 0; k < obj->via.map.size; k++) {
		const msgpack_object *key = &obj->via.map.ptr[k].key, *val = &obj->via.map.ptr[k].val;
		if (key->type == MSGPACK_OBJECT_STR && key->via.str.size == 4 && memcmp(key->via.str.ptr, "type", 4) == 0 &&
		    val->type == MSGPACK_OBJECT_STR)
			type = word_index(cl_words_type, val->via.str.ptr, val->via.str.size);
	}
	if (type < 0)
		return cl_error_set(err, CL_E_MALFORMED_ENTRY, "record: no valid \"type\"");
	rec->type = (uint32_t)type;
	return unpack_object(cl_schema_records[type], obj, rec, "", err);
}
