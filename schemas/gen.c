/*
 * gen - writes the JSON Schema file of every record type and the field
 * tables of docs/FIELDS.md from the one description, schemas/records.def
 * (through the tables of core/cl_schema.c).  `make schemas` runs it;
 * tests/schemas.sh checks that the committed files are what it writes.
 *
 * usage: gen OUTDIR FIELDS.md
 */
#include <stdio.h>
#include <string.h>

#include "cl_schema.h"

static void words(FILE *f, const char *const *w)
{
	fputs("[", f);
	for (int i = 0; w[i]; i++)
		fprintf(f, "%s\"%s\"", i ? ", " : "", w[i]);
	fputs("]", f);
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void schema_object(FILE *f, const struct cl_schema *s, int depth);

static void field_schema(FILE *f, const struct cl_field *fl, const struct cl_schema *s, int depth)
{
	static const char quantity[] = "\"type\": \"string\", \"pattern\": \"^(0|[1-9][0-9]*)(\\\\.[0-9]{1,3})?$\"";
	static const char timepat[] =
		"\"type\": \"string\", \"pattern\": "
		"\"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}([Zz]|[+-][0-9]{2}:[0-9]{2})$\"";
	switch (fl->kind) {
	case CL_K_TYPE: fprintf(f, "\"const\": \"%s\"", s->name); break;
	case CL_K_ID: fputs("\"type\": \"string\", \"pattern\": \"^[A-Za-z0-9._:-]{1,64}$\"", f); break;
	case CL_K_TOKEN: fprintf(f, "\"type\": \"string\", \"pattern\": \"^[!-~]{1,%u}$\"", fl->max); break;
	case CL_K_TEXT: fprintf(f, "\"type\": \"string\", \"minLength\": 1, \"maxLength\": %u", fl->max); break;
	case CL_K_ENUM: fputs("\"enum\": ", f); words(f, fl->aux); break;
	case CL_K_ROLES:
		fputs("\"type\": \"array\", \"minItems\": 1, \"uniqueItems\": true, \"items\": {\"enum\": ", f);
		words(f, fl->aux);
		fputs("}", f);
		break;
	case CL_K_CATS:
		fputs("\"type\": \"array\", \"minItems\": 1, \"uniqueItems\": true, "
		      "\"items\": {\"type\": \"integer\", \"minimum\": 1, \"maximum\": 3}", f);
		break;
	case CL_K_INT: fprintf(f, "\"type\": \"integer\", \"minimum\": 0, \"maximum\": %u", fl->max); break;
	case CL_K_CAT: fputs("\"type\": \"integer\", \"minimum\": 1, \"maximum\": 3", f); break;
	case CL_K_QTY: fputs(quantity, f); break;
	case CL_K_UOM: fputs("\"enum\": [\"KGM\", \"GRM\", \"LTR\", \"MLT\"]", f); break;
	case CL_K_TIME: fputs(timepat, f); break;
	case CL_K_CAS: fputs("\"type\": \"string\", \"pattern\": \"^[0-9]{2,7}-[0-9]{2}-[0-9]$\"", f); break;
	case CL_K_KEY: fputs("\"type\": \"string\", \"pattern\": \"^[A-Za-z0-9+/]{43}=$\"", f); break;
	case CL_K_SIG: fputs("\"type\": \"string\", \"pattern\": \"^[A-Za-z0-9+/]{86}==$\"", f); break;
	case CL_K_LICENCES:
		fprintf(f, "\"type\": \"array\", \"maxItems\": %u, \"items\": {", fl->max);
		schema_object(f, fl->aux, depth + 1);
		fputs("}", f);
		break;
	case CL_K_LIMIT: schema_object(f, fl->aux, depth + 1); break;
	}
	fputs(", \"description\": ", f);
	json_str(f, fl->doc);
}

/* The members of an object schema, without the braces around them. */
static void schema_object(FILE *f, const struct cl_schema *s, int depth)
{
	const char *ind = depth ? "      " : "  ";
	fprintf(f, "\n%s\"type\": \"object\",\n%s\"additionalProperties\": false,\n%s\"required\": [", ind, ind, ind);
	for (unsigned i = 0, n = 0; i < s->n_fields; i++)
		if (s->fields[i].required)
			fprintf(f, "%s\"%s\"", n++ ? ", " : "", s->fields[i].name);
	fprintf(f, "],\n%s\"properties\": {\n", ind);
	for (unsigned i = 0; i < s->n_fields; i++) {
		fprintf(f, "%s  \"%s\": {", ind, s->fields[i].name);
		field_schema(f, &s->fields[i], s, depth);
		fprintf(f, "}%s\n", i + 1 < s->n_fields ? "," : "");
	}
	fprintf(f, "%s}\n%s", ind, depth ? "    " : "");
}

static const char *kind_text(const struct cl_field *fl)
{
	switch (fl->kind) {
	case CL_K_TYPE: return "string (the type)";
	case CL_K_ID: return "id (1-64 of A-Za-z0-9._:-)";
	case CL_K_TOKEN: return "printable ASCII";
	case CL_K_TEXT: return "UTF-8 text";
	case CL_K_ENUM: return "word";
	case CL_K_ROLES: return "array of role words";
	case CL_K_CATS: return "array of 1-3";
	case CL_K_INT: return "integer";
	case CL_K_CAT: return "integer 1-3";
	case CL_K_QTY: return "decimal string (msgpack: uint base units)";
	case CL_K_UOM: return "unit code";
	case CL_K_TIME: return "RFC 3339 (msgpack: int seconds)";
	case CL_K_CAS: return "CAS number";
	case CL_K_KEY: return "base64, 32 bytes (msgpack: bin 32)";
	case CL_K_SIG: return "base64, 64 bytes (msgpack: bin 64)";
	case CL_K_LICENCES: return "array of licence objects";
	case CL_K_LIMIT: return "limit object";
	}
	return "?";
}

static void table(FILE *md, const struct cl_schema *s)
{
	fprintf(md, "### %s\n\n%s.\n\n| field | required | value | limit | meaning |\n|---|---|---|---|---|\n", s->name,
		s->doc);
	for (unsigned i = 0; i < s->n_fields; i++) {
		const struct cl_field *fl = &s->fields[i];
		char limit[64] = "";
		if (fl->kind == CL_K_TEXT || fl->kind == CL_K_TOKEN)
			snprintf(limit, sizeof(limit), "%u bytes", fl->max);
		else if (fl->kind == CL_K_INT)
			snprintf(limit, sizeof(limit), "0-%u", fl->max);
		else if (fl->kind == CL_K_LICENCES)
			snprintf(limit, sizeof(limit), "%u items", fl->max);
		else if (fl->kind == CL_K_QTY)
			snprintf(limit, sizeof(limit), "1 to 10^15 base units");
		fprintf(md, "| `%s` | %s | %s", fl->name, fl->required ? "yes" : "no", kind_text(fl));
		if (fl->kind == CL_K_ENUM || fl->kind == CL_K_ROLES) {
			const char *const *w = fl->aux;
			fputs(": ", md);
			for (int k = 0; w[k]; k++)
				fprintf(md, "%s`%s`", k ? ", " : "", w[k]);
		}
		fprintf(md, " | %s | %s |\n", limit, fl->doc);
	}
	fputs("\n", md);
}

int main(int argc, char **argv)
{
	char path[4096];
	FILE *md;

	if (argc != 3) {
		fprintf(stderr, "usage: gen OUTDIR FIELDS.md\n");
		return 2;
	}
	for (int t = 0; t < CL_REC_TYPE_COUNT; t++) {
		const struct cl_schema *s = cl_schema_records[t];
		FILE *f;
		snprintf(path, sizeof(path), "%s/%s.schema.json", argv[1], s->name);
		if ((f = fopen(path, "w")) == NULL) {
			perror(path);
			return 2;
		}
		fprintf(f, "{\n  \"$schema\": \"https://json-schema.org/draft/2020-12/schema\",\n"
			   "  \"$id\": \"chemledger:v1:%s\",\n  \"title\": \"chemledger %s record\",\n"
			   "  \"description\": ", s->name, s->name);
		json_str(f, s->doc);
		fputs(",", f);
		schema_object(f, s, 0);
		fputs("}\n", f);
		if (fclose(f) != 0) {
			perror(path);
			return 2;
		}
	}
	if ((md = fopen(argv[2], "w")) == NULL) {
		perror(argv[2]);
		return 2;
	}
	fputs("# Record fields\n\nGenerated by `make schemas` from `schemas/records.def`; do not edit by hand.\n"
	      "Text limits are in bytes of UTF-8.  In the canonical msgpack form every\nfield keeps its name as a "
	      "map key (see FORMAT.md).\n\n", md);
	for (int t = 1; t < CL_REC_TYPE_COUNT; t++)
		table(md, cl_schema_records[t]);
	table(md, &cl_schema_licence);
	table(md, &cl_schema_limit);
	table(md, cl_schema_records[0]);
	return fclose(md) == 0 ? 0 : 2;
}
